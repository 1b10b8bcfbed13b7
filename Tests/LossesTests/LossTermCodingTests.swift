import Foundation
import Losses
import Testing

@Suite struct LossTermCodingTests {
  func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
    try JSONDecoder().decode(type, from: Data(json.utf8))
  }

  @Test func flatJSONRoundTrips() throws {
    let json = """
      {"kind": "gram", "layers": ["relu1_1", "relu2_1"], "weight": 1000, "normalization": "gatys",
       "layerWeights": [1, 0.5], "normalizeGradients": true}
      """
    let term = try decode(FeatureLossTerm.self, json)
    #expect(term.kind == "gram")
    #expect((term.loss as? GramLoss)?.options.normalization == .gatys)
    #expect(term.layerWeights == [1, 0.5] && term.target == .style && term.normalizeGradients)
    let again = try decode(FeatureLossTerm.self, String(decoding: try JSONEncoder().encode(term), as: UTF8.self))
    #expect(again == term)
  }

  @Test func defaultsFillOptionalFields() throws {
    let content = try decode(FeatureLossTerm.self, #"{"kind": "content", "layers": ["relu4_2"], "weight": 1}"#)
    #expect(content.target == .content && content.layerWeights == [1] && !content.normalizeGradients)
    // The Gram normalisation changes every number, so it is never defaulted in a file.
    #expect(throws: DecodingError.self) {
      _ = try decode(FeatureLossTerm.self, #"{"kind": "gram", "layers": ["relu1_1"], "weight": 1}"#)
    }
    let tv = try decode(ImageLossTerm.self, #"{"kind": "totalVariation", "weight": 0.001}"#)
    #expect(tv.kind == "totalVariation" && tv.weight == 0.001)
  }

  @Test func unknownKindsSuggestTheClosest() {
    do {
      _ = try decode(FeatureLossTerm.self, #"{"kind": "gramm", "layers": ["relu1_1"], "weight": 1}"#)
      Issue.record("expected an error")
    } catch let DecodingError.dataCorrupted(context) {
      #expect(context.debugDescription.hasPrefix("\"gramm\" is not a feature loss; did you mean \"gram\"?"))
    } catch {
      Issue.record("unexpected error \(error)")
    }
  }

  @Test func mismatchedLayerWeightsAreRejected() {
    #expect(throws: DecodingError.self) {
      _ = try decode(FeatureLossTerm.self, #"{"kind": "gram", "layers": ["relu1_1"], "weight": 1, "layerWeights": [1, 2]}"#)
    }
  }

  @Test func registryKindsAreUnique() {
    let kinds = featureLossTypes.map { $0.kind } + imageLossTypes.map { $0.kind }
    #expect(Set(kinds).count == kinds.count)
  }
}
