import Foundation
import XCTest

/// Runs the built `workbench` binary (found beside the test bundle, or at
/// `$WORKBENCH_BINARY`) in a scratch directory.
class WorkbenchProcessTestCase: XCTestCase {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugin-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["WORKBENCH_BINARY"] { return URL(fileURLWithPath: path) }
        var directories: [URL] = []
        if let exe = Bundle.main.executableURL { directories.append(exe.resolvingSymlinksInPath().deletingLastPathComponent()) }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent())
        for dir in directories where FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("workbench").path) {
            return dir.appendingPathComponent("workbench")
        }
        throw TestSetupError("no workbench binary next to the test bundle (looked in \(directories.map(\.path)))")
    }

    func workbench(_ arguments: String...) throws -> Result {
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Asserts a run failed with status 1 and one `error:` line containing every fragment.
    func assertFails(_ result: Result, mentioning fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 1, "stderr: \(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "expected one line: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr, file: file, line: line)
        for f in fragments {
            XCTAssertTrue(result.stderr.contains(f), "'\(f)' missing from: \(result.stderr)", file: file, line: line)
        }
    }
}

/// Not a skip: a failed setup step fails the test with this message.
struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
