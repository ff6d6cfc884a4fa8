import Foundation
import XCTest
import _TestSupport

/// Runs the built `workbench` binary (found beside the test bundle, or at
/// `$WORKBENCH_BINARY`) in a scratch directory.
class WorkbenchProcessTestCase: XCTestCase {
    typealias Result = WorkbenchBinary.Result

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("plugin-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func binary() throws -> URL { try WorkbenchBinary.locate() }

    func workbench(_ arguments: String...) throws -> Result {
        try WorkbenchBinary.run(arguments, in: directory)
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
