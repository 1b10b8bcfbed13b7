import Autodiff
import Foundation
import NN
import Store
import TensorCore
import Testing
import _TestSupport

/// Diagnosis: the texture-mode generator backward in float32 against a float64 twin seeded with
/// the same dL/doutput (ours, through VGG-19), stage by stage.
@Suite(
  .enabled(
    if: TestData.available(
      TestData.vggFixturePath, TestData.generatorGradientsFixturePath, TestData.weightsPath),
    Comment(rawValue: TestData.skipReason("the generator fixtures or the VGG-19 weights"))
  ))
struct GeneratorPrecisionDiagnosisTests {
  @Test func float32BackwardAgainstDoubleTwin() throws {
    let mode = GeneratorConfiguration.Mode.texture
    let reference = try GeneratorReference(mode: mode)
    let vgg = try VGG19.load(from: TestData.weightsPath, padding: .zero, pooling: .max)
    let vggFixture = try HDF5File.open(TestData.vggFixturePath)
    let style = try vggFixture.root.readTensor("inputs/image_b")
    let file = try HDF5File.open(TestData.generatorGradientsFixturePath)
    let fixture = try file.root.group(mode.rawValue)

    var generator = reference.generator
    var observed: [(String, Variable)] = []
    let output = generator(
      noise: reference.noise.map { Variable($0) }, content: nil, mode: .training,
      observe: { observed.append(($0, $1)) })
    let loss = GeneratorGradientFixtureTests().textureLoss(
      output, content: nil, vgg: vgg, style: style.reshaped(Shape([1] + style.shape.dimensions)))
    let parameters = generator.parameters
    let grads = gradients(
      of: loss, with: parameters.map(\.value) + [output] + observed.map(\.1))
    let seed = grads[parameters.count]

    var twin = DoubleTwin(
      parameters: Dictionary(
        uniqueKeysWithValues: parameters.map { ($0.path, $0.value.value.scalars.map(Double.init)) }),
      slope: 0.01)
    let noise = reference.noise.map { z -> DoubleTensor in
      let (n, c, h, w) = z.shape.nchw
      return DoubleTensor(n, c, h, w, values: z.scalars.map(Double.init))
    }
    var blocks: [String: DoubleTensor] = [:]
    let twinOutput = twin.generator(noise: noise, blocks: &blocks)
    print("twin forward vs ours: rel L2", relativeL2(output.value.scalars, twinOutput.values))
    twinOutput.gradient = seed.scalars.map(Double.init)
    for (index, entry) in twin.store.nearZero.enumerated() {
      print("leakyReLU \(index) (C \(entry.3), H \(entry.4)): min |x|/rms \(entry.0) at \(entry.2), \(entry.1) below 1e-6 rms")
    }
    twin.backward()

    for (index, (name, _)) in observed.enumerated() {
      let ours = grads[parameters.count + 1 + index]
      print("block gradient \(name): ours vs twin rel L2", relativeL2(ours.scalars, blocks[name]!.gradient))
      print("block value \(name): ours vs twin rel L2", relativeL2(observed[index].1.value.scalars, blocks[name]!.values))
    }
    var worstOurs = 0.0
    var worstTwin = 0.0
    for (index, parameter) in parameters.enumerated() {
      let dataset = try fixture.dataset("grad_texture_loss/\(parameter.path)")
      let f32 = try dataset.doublesAttribute("f32_rel_l2_err")[0]
      if f32 >= 0.5 { continue }
      let expected = try dataset.read(as: Double.self).scalars
      let twinGradient = twin.parameterGradients[parameter.path]!
      let ours = relativeL2(grads[index].scalars, expected)
      let oursVsTwin = relativeL2(grads[index].scalars, twinGradient)
      let twinError = relativeL2Double(twinGradient, expected)
      worstOurs = max(worstOurs, ours / f32)
      worstTwin = max(worstTwin, twinError / f32)
      print(
        "\(parameter.path): f32 \(f32) ours \(ours) (ratio \(ours / f32)) twin \(twinError) (ratio \(twinError / f32)) ours-vs-twin \(oursVsTwin)"
      )
    }
    print("worst ratio ours \(worstOurs), twin (float32 seed) \(worstTwin)")

    for floatAccumulate in [true] {
      var variant = DoubleTwin(parameters: twin.parameters, slope: 0.01)
      variant.roundForward = true
      variant.floatAccumulate = floatAccumulate
      var unused: [String: DoubleTensor] = [:]
      let variantOutput = variant.generator(noise: noise, blocks: &unused)
      variantOutput.gradient = seed.scalars.map(Double.init)
      variant.backward()
      print("float-accumulating twin: output vs exact twin", relativeL2Double(variantOutput.values, twinOutput.values))
      var worst = 0.0
      for (index, parameter) in parameters.enumerated() {
        let dataset = try fixture.dataset("grad_texture_loss/\(parameter.path)")
        let f32 = try dataset.doublesAttribute("f32_rel_l2_err")[0]
        if f32 >= 0.5 { continue }
        let expected = try dataset.read(as: Double.self).scalars
        let v = variant.parameterGradients[parameter.path]!
        let error = relativeL2Double(v, expected)
        worst = max(worst, error / f32)
        if parameter.path.hasPrefix("join.4") || parameter.path.hasPrefix("branch.2.bn") {
          print("float-accumulating twin \(parameter.path): vs exact twin \(relativeL2Double(v, twin.parameterGradients[parameter.path]!)), ratio \(error / f32), ours vs exact twin \(relativeL2(grads[index].scalars, twin.parameterGradients[parameter.path]!))")
        }
      }
      print("float-accumulating twin: worst ratio \(worst)")
    }

  }
}

/// ‖a − b‖₂ / ‖b‖₂, both in Double.
func relativeL2Double(_ a: [Double], _ b: [Double]) -> Double {
  var error = 0.0
  var norm = 0.0
  for (x, y) in zip(a, b) {
    error += (x - y) * (x - y)
    norm += y * y
  }
  return norm > 0 ? (error / norm).squareRoot() : error.squareRoot()
}
