import Foundation
import IR
import NumPy

/// ONNX Runtime through `scripts/ort_run.py` (never a Swift dependency): used
/// by `compare` when `python3 -c 'import onnxruntime'` works.
enum OnnxRuntimeRunner {
    /// The script: `$WORKBENCH_SCRIPTS/ort_run.py`, else the checkout's `scripts/ort_run.py`.
    static var script: URL {
        if let dir = ProcessInfo.processInfo.environment["WORKBENCH_SCRIPTS"] {
            return URL(fileURLWithPath: dir).appendingPathComponent("ort_run.py")
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/ort_run.py")
    }

    /// Runs `python3 arguments`; the exit status and stderr.
    private static func python(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: text, as: UTF8.self))
    }

    /// Why ONNX Runtime cannot run here, or nil when it can.
    static func unavailableReason() -> String? {
        guard FileManager.default.fileExists(atPath: script.path) else { return "\(script.path) not found" }
        guard let (status, _) = try? python(["-c", "import onnxruntime"]), status == 0 else {
            return "python3 cannot import onnxruntime"
        }
        return nil
    }

    /// ONNX Runtime's outputs of `model` for `feeds`, by name.
    static func run(model: String, feeds: NumPyArchive) throws -> [String: Tensor] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-ort-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let inputs = dir.appendingPathComponent("inputs.npz"), outputs = dir.appendingPathComponent("outputs.npz")
        try NumPy.writeArchive(feeds, to: inputs)
        let (status, stderr) = try python([script.path, model, inputs.path, outputs.path])
        guard status == 0 else {
            throw CLIError.inputs(file: script.lastPathComponent, reason: "ONNX Runtime failed on \(model): \(Console.oneLine(stderr))")
        }
        return try NumPy.readArchive(contentsOf: outputs).arrays
    }
}

