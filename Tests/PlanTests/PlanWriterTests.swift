import Foundation
import IR
import XCTest
@testable import Plan

final class PlanWriterTests: XCTestCase {
    var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    struct ProviderFailure: Error, Equatable {}

    /// A failure midway through writing leaves the old plan as it was and no temporary file.
    func testFailedOverwriteLeavesTheOldPlanIntact() throws {
        let url = directory.file("engine.plan")
        let old = try PlanSamples.write(to: url)
        var writer = try PlanSamples.writer()
        try writer.addSection(named: "big", floats: [Float](repeating: 1, count: 100_000))
        try writer.addSection(named: "failing", dataType: .float32, shape: [16]) { buffer in
            buffer.storeBytes(of: 0xFF, as: UInt8.self)
            throw ProviderFailure()
        }
        XCTAssertThrowsError(try writer.write(to: url)) { XCTAssertEqual($0 as? ProviderFailure, ProviderFailure()) }
        XCTAssertEqual(try [UInt8](Data(contentsOf: url)), old)
        XCTAssertEqual(try directory.contents(), ["engine.plan"])
        XCTAssertNoThrow(try PlanFile(contentsOf: url))
    }

    func testFailedFirstWriteLeavesNothing() throws {
        var writer = PlanWriter()
        try writer.addSection(named: "failing", dataType: .int8, shape: [3]) { _ in throw ProviderFailure() }
        XCTAssertThrowsError(try writer.write(to: directory.file("new.plan")))
        XCTAssertEqual(try directory.contents(), [])
    }

    /// A reader that has the old plan open keeps seeing the old bytes after a rewrite.
    func testOverwriteDoesNotDisturbAnOpenPlan() throws {
        let url = directory.file("engine.plan")
        var first = PlanWriter()
        try first.addSection(named: "w", floats: [1, 2, 3])
        try first.write(to: url)
        let opened = try PlanFile(contentsOf: url)
        var second = PlanWriter()
        try second.addSection(named: "w", floats: [4, 5, 6, 7])
        try second.write(to: url)
        XCTAssertEqual(try opened.section(named: "w").tensor().floats, [1, 2, 3])
        XCTAssertEqual(try PlanFile(contentsOf: url).section(named: "w").tensor().floats, [4, 5, 6, 7])
        XCTAssertEqual(try directory.contents(), ["engine.plan"])
    }

    func testUnwritableDestinations() throws {
        let missingDirectory = directory.file("no/such/dir/engine.plan")
        assertPlanError(try PlanWriter().write(to: missingDirectory), file: missingDirectory.relativePath) {
            if case .unwritable = $0 { return true } else { return false }
        }
        let subdirectory = directory.file("taken")
        try FileManager.default.createDirectory(at: subdirectory, withIntermediateDirectories: false)
        assertPlanError(try PlanWriter().write(to: subdirectory), file: subdirectory.relativePath) {
            if case .unwritable = $0 { return true } else { return false }
        }
        XCTAssertEqual(try directory.contents(), ["taken"])
    }

    func testWriterRejectsWhatAPlanCannotHold() throws {
        var writer = PlanWriter()
        try writer.addSection(named: "w", floats: [1])
        let cases: [(inout PlanWriter) throws -> Void] = [
            { try $0.addSection(named: "w", floats: [2]) },                                   // duplicate
            { try $0.addSection(named: "", floats: [2]) },                                    // empty name
            { try $0.addSection(named: "s", tensor: Tensor(shape: [1], data: .string(["x"]))) },
            { try $0.addSection(named: "f", floats: [1, 2, 3], shape: [2, 2]) },              // count mismatch
            { try $0.addSection(named: "n", floats: [], shape: [-1]) },                       // negative dim
            { try $0.addSection(named: "r", bytes: Data([1, 2, 3]), dataType: .int16) },      // partial element
            { try $0.addSection(named: "o", dataType: .float32, shape: [Int.max, 2]) { _ in } },
            { try $0.setManifest(Data("{oops".utf8)) },
        ]
        for body in cases {
            assertPlanError(try body(&writer)) {
                if case .invalidWriterInput = $0 { return true } else { return false }
            }
        }
        XCTAssertEqual(writer.sectionNames, ["w"])
        let long = PlanWriter(writerVersion: String(repeating: "v", count: 33))
        assertPlanError(try long.write(to: directory.file("long.plan"))) {
            if case .invalidWriterInput = $0 { return true } else { return false }
        }
        XCTAssertEqual(try directory.contents(), [])
    }

    func testErrorDescriptionsAreOneLineAndNameTheFile() {
        let errors: [PlanError] = [
            .truncated(file: "e.plan", expected: 1000, actual: 10),
            .badMagic(file: "e.plan", looksLike: "a JSON text file"),
            .futureVersion(file: "e.plan", found: 2, newestReadable: 1),
            .bodyChecksumMismatch(file: "e.plan", stored: 1, computed: 0xABCDEF),
            .sectionOutOfBounds(file: "e.plan", section: "w", bytes: 0..<4, weights: 64..<128),
        ]
        for e in errors {
            XCTAssertTrue(e.description.hasPrefix("e.plan: "), e.description)
            XCTAssertFalse(e.description.contains("\n"))
        }
        XCTAssertEqual(PlanError.bodyChecksumMismatch(file: "e.plan", stored: 1, computed: 0xABCDEF).description,
                       "e.plan: corrupted: the body checksum is 0x0000000000abcdef, the header says"
                       + " 0x0000000000000001 (rebuild the engine)")
    }

    /// A few megabytes load and verify; the 140 MB timing is a release-build benchmark (see the report).
    func testLargerPlanRoundTrip() throws {
        let url = directory.file("large.plan")
        var writer = PlanWriter()
        let count = 1 << 20
        for i in 0..<3 {
            try writer.addSection(named: "layer\(i)", dataType: .float32, shape: [count]) { buffer in
                let floats = buffer.bindMemory(to: Float.self)
                for j in floats.indices { floats[j] = Float(j % 1000) + Float(i) }
            }
        }
        try writer.write(to: url)
        let plan = try PlanFile(contentsOf: url)
        XCTAssertEqual(plan.sections.map(\.byteCount), [4 * count, 4 * count, 4 * count])
        let value = try plan.section(named: "layer2").withUnsafeBufferPointer(as: Float.self) { $0[1234] }
        XCTAssertEqual(value, 236)
    }
}
