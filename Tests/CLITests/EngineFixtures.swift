import Foundation
import IR
import NumPy
import XCTest

/// The committed generated fixtures (`Tests/Fixtures/generated`, see its README)
/// and the engine-command steps the engine tests share.
enum EngineFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/generated")

    static func model(_ name: String) -> String { directory.appendingPathComponent("\(name).onnx").path }

    /// The fixture's inputs and the outputs ONNX Runtime computed for them.
    static func archive(_ name: String) throws -> NumPyArchive {
        try NumPy.readArchive(contentsOf: directory.appendingPathComponent("\(name).npz"))
    }

    /// Two WeNet profiles as `build` arguments: the fixture's `[3, 45, 80]` lies in
    /// profile 0 (`T` in 16...64), profile 1 covers `T` in 65...128.
    static let wenetProfiles = [
        "--minShapes", "speech:1x16x80", "--optShapes", "speech:3x45x80", "--maxShapes", "speech:4x64x80",
        "--minShapes", "speech:1x65x80", "--optShapes", "speech:1x80x80", "--maxShapes", "speech:2x128x80",
    ]

    /// One BERT profile around the fixture's `[3, 13]`.
    static let bertProfile: [String] = {
        func spec(_ shape: String) -> String {
            ["input_ids", "attention_mask", "token_type_ids"].map { "\($0):\(shape)" }.joined(separator: ",")
        }
        return ["--minShapes", spec("1x4"), "--optShapes", spec("3x13"), "--maxShapes", spec("4x32")]
    }()
}

extension CLITestCase {
    /// `workbench build` of a fixture model into `plan` (one timed run per tactic, to stay fast).
    @discardableResult
    func buildEngine(_ model: String, profiles: [String], plan: String, _ extra: [String] = [],
                     file: StaticString = #filePath, line: UInt = #line) throws -> CLI.Result {
        let r = try CLI.run(["build", "--onnx", EngineFixtures.model(model)] + profiles
                            + ["--saveEngine", plan, "--timingIterations", "1"] + extra, in: directory)
        XCTAssertEqual(r.status, 0, "build failed: \(r.stderr)", file: file, line: line)
        return r
    }

    /// Writes the fixture's input arrays (only those in `names`) to `file` in the scratch directory.
    func writeFixtureInputs(_ model: String, names: [String], to file: String) throws {
        let all = try EngineFixtures.archive(model)
        let inputs = try names.map { name in (name, try XCTUnwrap(all[name], "\(model).npz has no '\(name)'")) }
        try NumPy.writeArchive(NumPyArchive(inputs), to: url(file))
    }

    /// Asserts every float element of `produced` is within `tolerance` of `reference`,
    /// and integer outputs are equal.
    func assertClose(_ produced: NumPyArchive, _ reference: NumPyArchive, outputs: [String], tolerance: Double = 1e-4,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(produced.names, outputs, file: file, line: line)
        for name in outputs {
            let p = try XCTUnwrap(produced[name], "no output '\(name)'", file: file, line: line)
            let r = try XCTUnwrap(reference[name], "no reference '\(name)'", file: file, line: line)
            XCTAssertEqual(p.shape, r.shape, name, file: file, line: line)
            let pv = try XCTUnwrap(p.doubleValues(), file: file, line: line)
            let rv = try XCTUnwrap(r.doubleValues(), file: file, line: line)
            XCTAssertEqual(pv.count, rv.count, name, file: file, line: line)
            var worst = 0.0
            // A NaN on one side fails (max() would skip it).
            for i in 0..<min(pv.count, rv.count) {
                let d = abs(pv[i] - rv[i])
                worst = d.isNaN && pv[i].isNaN != rv[i].isNaN ? .infinity : max(worst, d.isNaN ? 0 : d)
            }
            XCTAssertLessThanOrEqual(worst, tolerance, "'\(name)': max |engine - ONNX Runtime|", file: file, line: line)
        }
    }

    /// Asserts a `build` failed with status 1 and exactly one `error:` line, the last
    /// one on stderr; the only other line allowed is the `building ...` progress note.
    func assertBuildFails(_ result: CLI.Result, mentioning fragments: [String],
                          file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 1, "stderr: \(result.stderr)", file: file, line: line)
        let lines = result.stderr.split(separator: "\n")
        let errors = lines.filter { $0.hasPrefix("error: ") }
        XCTAssertEqual(errors.count, 1, "expected one error line, got: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(lines.last?.hasPrefix("error: ") ?? false, result.stderr, file: file, line: line)
        for other in lines.dropLast() {
            XCTAssertTrue(other.hasPrefix("building "), "unexpected stderr line: \(other)", file: file, line: line)
        }
        for f in fragments {
            XCTAssertTrue(errors.first?.contains(f) ?? false, "'\(f)' missing from: \(result.stderr)", file: file, line: line)
        }
    }
}
