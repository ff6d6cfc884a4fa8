import Foundation
import IR
import XCTest
@testable import Plan

final class PlanRoundTripTests: XCTestCase {
    var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    func testManifestAndSectionsRoundTrip() throws {
        let url = directory.file("sample.plan")
        try PlanSamples.writer().write(to: url)
        let plan = try PlanFile(contentsOf: url)

        XCTAssertEqual(try plan.decodeManifest(SampleManifest.self), PlanSamples.manifest)
        XCTAssertEqual(plan.sectionNames, ["fc1.weight", "positions", "mask", "empty", "raw", "half", "fc1.bias"])
        XCTAssertEqual(try plan.section(named: "fc1.weight").tensor(), Tensor(PlanSamples.floats, shape: [37]))
        XCTAssertEqual(try plan.section(named: "positions").tensor(), Tensor(PlanSamples.int64s, shape: [3, 5]))
        XCTAssertEqual(try plan.section(named: "mask").tensor(), Tensor(PlanSamples.bools, shape: [7]))
        XCTAssertEqual(try plan.section(named: "empty").tensor(), Tensor([Float](), shape: [2, 0]))
        XCTAssertEqual(try plan.section(named: "raw").tensor(),
                       Tensor(shape: [13], data: .uint8(Array(PlanSamples.raw))))
        XCTAssertEqual(try plan.section(named: "half").tensor(),
                       Tensor(shape: [3], data: .float16([0x3C00, 0xC000, 0x7BFF])))
        XCTAssertEqual(try plan.section(named: "fc1.bias").tensor(), Tensor([0.25, 1.25, 2.25, 3.25, 4.25], shape: [5]))

        XCTAssertEqual(plan.header.formatVersion, PlanFormat.version)
        XCTAssertEqual(plan.header.writerVersion, PlanFormat.workbenchVersion)
        XCTAssertEqual(plan.byteCount, try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
    }

    /// Every section starts 64-byte aligned, in the file and in memory, and its
    /// bytes are a view into the mapping, not a copy.
    func testSectionsAreAlignedViewsIntoTheMapping() throws {
        let url = directory.file("aligned.plan")
        try PlanSamples.writer().write(to: url)
        let plan = try PlanFile(contentsOf: url)
        let mapping = plan.mappedBytes
        let start = UInt(bitPattern: mapping.baseAddress!)
        for name in plan.sectionNames {
            let section = try plan.section(named: name)
            let address = UInt(bitPattern: section.bytes.baseAddress!)
            XCTAssertEqual(section.info.offset % 64, 0, name)
            XCTAssertEqual(address % 64, 0, name)
            XCTAssertEqual(address - start, UInt(section.info.offset), "\(name) is not inside the mapping")
            XCTAssertEqual(section.bytes.count, section.byteCount)
        }
        // Two lookups give the same memory: nothing is copied per call.
        XCTAssertEqual(try plan.section(named: "positions").bytes.baseAddress,
                       try plan.section(named: "positions").bytes.baseAddress)
    }

    func testTypedZeroCopyAccess() throws {
        let url = directory.file("typed.plan")
        try PlanSamples.writer().write(to: url)
        let plan = try PlanFile(contentsOf: url)
        let sum = try plan.withSection(named: "fc1.weight") { section in
            try section.withUnsafeBufferPointer(as: Float.self) { $0.reduce(0, +) }
        }
        XCTAssertEqual(sum, PlanSamples.floats.reduce(0, +))
        let bools = try plan.section(named: "mask").withUnsafeBufferPointer(as: Bool.self) { Array($0) }
        XCTAssertEqual(bools, PlanSamples.bools)
        assertPlanError(try plan.section(named: "positions").withUnsafeBufferPointer(as: Float.self) { $0.count },
                        file: url.relativePath) {
            $0 == .sectionType(file: url.relativePath, section: "positions", dataType: .int64, requested: "Float")
        }
        assertPlanError(try plan.section(named: "nope"), file: url.relativePath) {
            $0 == .sectionNotFound(file: url.relativePath, section: "nope", available: 7)
        }
        let emptyCount = try plan.section(named: "empty").withUnsafeBufferPointer(as: Float.self) { $0.count }
        XCTAssertEqual(emptyCount, 0)
        XCTAssertTrue(plan.hasSection(named: "raw"))
        XCTAssertFalse(plan.hasSection(named: "nope"))
    }

    /// A section keeps its plan (and so its mapping) alive.
    func testSectionOutlivesItsPlanReference() throws {
        let url = directory.file("lifetime.plan")
        try PlanSamples.writer().write(to: url)
        var plan: PlanFile? = try PlanFile(contentsOf: url)
        let section = try plan!.section(named: "fc1.weight")
        plan = nil
        XCTAssertEqual(section.tensor().floats, PlanSamples.floats)
    }

    /// One plan shared by several tasks, as execution contexts share an engine.
    func testConcurrentReaders() async throws {
        let url = directory.file("shared.plan")
        try PlanSamples.writer().write(to: url)
        let plan = try PlanFile(contentsOf: url)
        let sums = try await withThrowingTaskGroup(of: Float.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try plan.section(named: "fc1.weight").withUnsafeBufferPointer(as: Float.self) { $0.reduce(0, +) }
                }
            }
            var sums: [Float] = []
            for try await sum in group { sums.append(sum) }
            return sums
        }
        XCTAssertEqual(sums, [Float](repeating: PlanSamples.floats.reduce(0, +), count: 8))
    }

    func testEmptyPlanAndRawManifest() throws {
        let url = directory.file("empty.plan")
        var writer = PlanWriter(writerVersion: "workbench test")
        try writer.setManifest(Data(#"{"note":"no weights"}"#.utf8))
        try writer.write(to: url)
        let plan = try PlanFile(contentsOf: url)
        XCTAssertEqual(plan.sections, [])
        XCTAssertEqual(plan.manifestText, #"{"note":"no weights"}"#)
        XCTAssertEqual(plan.header.writerVersion, "workbench test")
        XCTAssertEqual(try plan.decodeManifest([String: String].self), ["note": "no weights"])
    }

    /// Nothing time- or machine-dependent is written: equal inputs, equal bytes.
    func testWritingIsDeterministic() throws {
        let a = try PlanSamples.write(to: directory.file("a.plan"))
        let b = try PlanSamples.write(to: directory.file("b.plan"))
        XCTAssertEqual(a, b)
        XCTAssertEqual(Array(a.prefix(12)), PlanFormat.magic)
    }

    /// Header fields land where the format documentation says.
    func testHeaderLayoutMatchesTheDocumentation() throws {
        let bytes = try PlanSamples.write(to: directory.file("layout.plan"))
        func u64(_ offset: Int) -> UInt64 {
            bytes[offset..<(offset + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        XCTAssertEqual(bytes[12], 1)                       // format version
        XCTAssertEqual(bytes[16], 128)                     // header size
        XCTAssertEqual(u64(24), UInt64(bytes.count))               // file size
        XCTAssertEqual(u64(32), 128)                       // manifest offset
        XCTAssertEqual(u64(48) % 8, 0)                     // table offset
        XCTAssertEqual(u64(64) % 64, 0)                    // weights offset
        XCTAssertEqual(u64(64) + u64(72), UInt64(bytes.count))     // weights end at the end of the file
        XCTAssertEqual(u64(80), XXH64.hash(Array(bytes[128...])))
        XCTAssertEqual(u64(120), XXH64.hash(Array(bytes[0..<120])))
        XCTAssertEqual(String(decoding: bytes[88..<103], as: UTF8.self), "workbench 0.1.0")
    }

    func testManifestThatDoesNotFitTheTypeNamesKeyAndFile() throws {
        struct Other: Decodable { var layers: [Int] }
        struct Missing: Decodable { var profiles: [String] }
        let url = directory.file("manifest.plan")
        try PlanSamples.writer().write(to: url)
        let plan = try PlanFile(contentsOf: url)
        assertPlanError(try plan.decodeManifest(Missing.self), file: url.relativePath) {
            guard case .invalidManifest(_, "Missing", let reason) = $0 else { return false }
            return reason.contains("profiles")
        }
        assertPlanError(try plan.decodeManifest(Other.self), file: url.relativePath) {
            guard case .invalidManifest(_, "Other", let reason) = $0 else { return false }
            return reason.contains("layers[0]")
        }
    }
}
