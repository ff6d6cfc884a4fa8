import ArgumentParser
import Foundation
import IR
import ONNX

/// `--onnx MODEL.onnx`: the model a command runs.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("onnx"), help: ArgumentHelp("The ONNX model to load.", valueName: "model.onnx"))
    var onnx: String

    var url: URL { URL(fileURLWithPath: onnx) }

    /// Imports the model, logging how long it took when verbose.
    func load(_ output: OutputOptions) throws -> Model {
        try ModelLoader.load(url, output)
    }
}

/// Model import shared by the commands.
enum ModelLoader {
    static func load(_ url: URL, _ output: OutputOptions) throws -> Model {
        let clock = ContinuousClock()
        let start = clock.now
        let model = try ONNXImporter().load(contentsOf: url)
        output.detail("imported \(url.relativePath) in \(Milliseconds(clock.now - start))")
        return model
    }
}

/// A duration printed in milliseconds (`12.345 ms`).
struct Milliseconds: CustomStringConvertible {
    let value: Double
    init(_ d: Duration) {
        let (s, atto) = d.components
        value = Double(s) * 1000 + Double(atto) / 1e15
    }
    var description: String { String(format: "%.3f ms", value) }
}
