import Foundation
import IR
import NumPy
import ONNX
import Plugins

/// The committed generated fixtures (`Tests/Fixtures/generated`) and the
/// WeNet conv module's GLU the broken-plugin tests aim at.
enum DebugFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/generated")

    static func model(_ name: String) throws -> Graph {
        try ONNXImporter().load(contentsOf: directory.appendingPathComponent("\(name).onnx")).graph
    }

    static func archive(_ name: String) throws -> NumPyArchive {
        try NumPy.readArchive(contentsOf: directory.appendingPathComponent("\(name).npz"))
    }

    /// The first conv module's GLU in `wenet-tiny` (Split → Sigmoid → Mul) and its input `[B, 64, T']`.
    static let gluNodes = ["Split_197", "Sigmoid_198", "Mul_199"]
    static let gluInput = "onnx::Split_405"

    /// A registry with the built-in plugins and the broken GLU in place of the good one.
    static func brokenRegistry() -> PluginRegistry {
        let r = PluginRegistry(registeringBuiltins: true)
        r.register(BrokenGLUPlugin.self)
        return r
    }
}
