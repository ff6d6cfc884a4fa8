import Foundation
import IR
import Kernels
import Plugins

/// A deliberately broken `com.workbench::GLU`, the plugin author's classic
/// bug: the kernel walks each row of the inner axis in blocks of 8 and its
/// scalar tail loop reads the gate one element too early. Rows whose length
/// is a multiple of 8 never reach the tail and come out right; every other
/// row has wrong values in its last `length % 8` elements.
///
/// Registered in place of the built-in GLU in a test's own registry only.
final class BrokenGLUPlugin: Plugin {
    static let name = "GLU"
    static let version = 1
    let axis: Int

    init(attributes: [String: Attribute]) throws {
        if case .int(let a)? = attributes["axis"] { axis = a } else { axis = -1 }
    }

    var attributes: [String: Attribute] { ["axis": .int(axis)] }

    func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        try GLUPlugin(attributes: attributes).outputTypes(inputs)
    }

    func tactics(inputShapes: [[Int]]) -> [String] { ["glu.simd8"] }

    func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: "GLU"), y = call.outputs[0]
        let rank = x.shape.count
        let a = axis < 0 ? axis + rank : axis
        let outer = Shapes.count(Array(x.shape[..<a])), inner = Shapes.count(Array(x.shape[(a + 1)...]))
        let half = x.shape[a] / 2
        for o in 0..<outer {
            for c in 0..<half {
                let value = x.floats + (o * 2 * half + c) * inner
                let gate = x.floats + (o * 2 * half + half + c) * inner
                let out = y.floats + (o * half + c) * inner
                let body = inner / 8 * 8
                var i = 0
                while i < body {  // the "SIMD" body: 8 lanes at a time, correct
                    for lane in 0..<8 { out[i + lane] = value[i + lane] / (1 + Foundation.exp(-gate[i + lane])) }
                    i += 8
                }
                while i < inner {  // the tail: off by one in the gate index
                    out[i] = value[i] / (1 + Foundation.exp(-gate[i - 1]))
                    i += 1
                }
            }
        }
    }
}
