import Foundation
import Suggestions
import Testing

@Suite struct SuggestionTests {
  @Test(arguments: [
    ("", "", 0), ("", "abc", 3), ("abc", "", 3), ("kitten", "sitting", 3), ("flaw", "lawn", 2),
    ("relu4_2", "rleu4_2", 2), ("gram", "gram", 0), ("adam", "Adam", 1),
  ])
  func editDistanceCountsInsertionsDeletionsAndSubstitutions(_ a: String, _ b: String, _ d: Int) {
    #expect(editDistance(a, b) == d)
    #expect(editDistance(b, a) == d)
  }

  @Test func theClosestNameWinsAndTiesGoToTheNearestCharacters() {
    let layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
    // relu6_1 is one substitution from every layer; '5' is nearest to '6'.
    #expect(closestName(to: "relu6_1", among: layers) == "relu5_1")
    #expect(closestName(to: "relu0_1", among: layers) == "relu1_1")
    #expect(closestName(to: "RELU4_1", among: layers) == "relu4_1")
    #expect(closestName(to: "slicedWaserstein", among: ["gram", "slicedWasserstein"]) == "slicedWasserstein")
    // Equal on both counts (one edit, one code point away): the earlier candidate.
    #expect(closestName(to: "ab", among: ["ac", "aa"]) == "ac")
    #expect(closestName(to: "ab", among: ["aa", "ac"]) == "aa")
  }

  @Test func nothingFarAwayIsSuggested() {
    // Limit: a third of the name's length, at least 2 edits.
    #expect(closestName(to: "banana", among: ["relu1_1", "pool1"]) == nil)
    #expect(closestName(to: "lbgfs", among: ["lbfgs", "adam"]) == "lbfgs")
    #expect(closestName(to: "xyz", among: ["lbfgs", "adam"]) == nil)
    #expect(closestName(to: "x", among: []) == nil)
  }

  @Test func theHintHasOneWording() {
    #expect(didYouMean("relu5_1") == "; did you mean \"relu5_1\"?")
    #expect(didYouMean(nil) == "")
    #expect(
      unknownNameMessage("lbgfs", isNot: "an optimizer", known: ["adam", "lbfgs"])
        == "\"lbgfs\" is not an optimizer; did you mean \"lbfgs\"? (known: adam, lbfgs)")
    #expect(
      unknownNameMessage("banana", isNot: "a feature loss", known: ["gram", "mmd"])
        == "\"banana\" is not a feature loss (known: gram, mmd)")
  }

  enum Key: String, CodingKey { case kind }
  struct Named: Decodable {
    var value: Int
    init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: Key.self)
      let table = ["one": 1, "two": 2]
      value = try container.decodeName(
        forKey: .kind, isNot: "a number", known: table.keys.sorted(), lookup: { table[$0] })
    }
  }

  @Test func aDecodedNameIsLookedUpOrRejectedWithAHint() throws {
    #expect(try JSONDecoder().decode(Named.self, from: Data(#"{"kind": "two"}"#.utf8)).value == 2)
    do {
      _ = try JSONDecoder().decode(Named.self, from: Data(#"{"kind": "tow"}"#.utf8))
      Issue.record("expected an error")
    } catch DecodingError.dataCorrupted(let context) {
      #expect(context.codingPath.map(\.stringValue) == ["kind"])
      #expect(
        context.debugDescription
          == "\"tow\" is not a number; did you mean \"two\"? (known: one, two)")
    }
  }
}
