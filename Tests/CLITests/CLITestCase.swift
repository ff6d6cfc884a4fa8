import Foundation
import IR
import NumPy
import XCTest

/// A test case with a scratch directory holding `tiny.onnx`.
class CLITestCase: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try TinyModels.write(TinyModels.encoder(), to: url("tiny.onnx"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    func workbench(_ arguments: String...) throws -> CLI.Result {
        try CLI.run(arguments, in: directory)
    }

    func writeInputs(_ name: String, _ arrays: [(String, Tensor)]) throws {
        try NumPy.writeArchive(NumPyArchive(arrays), to: url(name))
    }

    /// Asserts a run failed with status 1 and one `error:` line on stderr containing every fragment.
    func assertFails(_ result: CLI.Result, mentioning fragments: [String],
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 1, "stderr: \(result.stderr)", file: file, line: line)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "expected one line, got: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr, file: file, line: line)
        for f in fragments {
            XCTAssertTrue(result.stderr.contains(f), "'\(f)' missing from: \(result.stderr)", file: file, line: line)
        }
    }

    static let speech = Tensor((0..<160).map { Float($0) / 160 }, shape: [1, 2, 80])
    static let lengths = Tensor([Int32(2)], shape: [1])
}
