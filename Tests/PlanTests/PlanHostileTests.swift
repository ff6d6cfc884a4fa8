import Foundation
import IR
import XCTest
@testable import Plan

/// Files whose checksums are right but whose contents lie: what a buggy
/// writer or a hostile file would hold. The reader must throw, never trap.
final class PlanHostileTests: XCTestCase {
    var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    private var path: String { directory.file("crafted.plan").relativePath }

    /// Assembles header, manifest, table and `weightBytes` bytes of weights
    /// (starting at byte 256) with valid checksums.
    private func craft(manifest: [UInt8] = Array("{}".utf8), table: [UInt8], weightBytes: Int,
                       fill: UInt8 = 0, edit: (inout PlanHeader) -> Void = { _ in }) -> [UInt8] {
        let tableStart = PlanFormat.align(128 + manifest.count, to: 8)
        let weightsStart = self.weightsStart
        XCTAssertLessThanOrEqual(tableStart + table.count, weightsStart, "the crafted table is too long")
        var body = manifest
        body += [UInt8](repeating: 0, count: tableStart - 128 - manifest.count) + table
        body += [UInt8](repeating: 0, count: weightsStart - tableStart - table.count)
        body += [UInt8](repeating: fill, count: weightBytes)
        var header = PlanHeader(fileSize: 128 + body.count, manifestRange: 128..<(128 + manifest.count),
                                sectionTableRange: tableStart..<(tableStart + table.count),
                                weightsRange: weightsStart..<(weightsStart + weightBytes),
                                bodyChecksum: XXH64.hash(body), writerVersion: "crafted")
        edit(&header)
        return header.encoded() + body
    }

    /// Where crafted plans put their weights region (after padding, as a writer may).
    private let weightsStart = 256

    private func sectionEntry(_ name: String, _ shape: [Int], _ type: DataType = .float32, offset: Int) -> PlanSectionInfo {
        PlanSectionInfo(name: name, dataType: type, shape: shape, offset: offset,
                        byteCount: Shapes.count(shape) * type.byteSize)
    }

    private func open(_ bytes: [UInt8]) throws -> PlanFile {
        try bytes.write(to: directory.file("crafted.plan"))
        return try PlanFile(contentsOf: directory.file("crafted.plan"))
    }

    func testCraftedPlanIsReadable() throws {
        let table = PlanSectionTable.encode([sectionEntry("w", [4], offset: weightsStart)])
        let plan = try open(craft(table: table, weightBytes: 16))
        XCTAssertEqual(plan.header.weightsRange.lowerBound, weightsStart)
        XCTAssertEqual(try plan.section(named: "w").tensor(), Tensor([0, 0, 0, 0] as [Float], shape: [4]))
    }

    func testSectionOutOfBounds() {
        let table = PlanSectionTable.encode([sectionEntry("w", [32], offset: weightsStart + 64)])
        assertPlanError(try open(craft(table: table, weightBytes: 128)), file: path) {
            $0 == .sectionOutOfBounds(file: self.path, section: "w", bytes: 320..<448, weights: 256..<384)
        }
        let huge = PlanSectionTable.encode([sectionEntry("w", [1 << 40], offset: weightsStart)])
        assertPlanError(try open(craft(table: huge, weightBytes: 64))) {
            if case .sectionOutOfBounds = $0 { return true } else { return false }
        }
    }

    func testSectionMisaligned() {
        let table = PlanSectionTable.encode([sectionEntry("w", [2], offset: weightsStart + 4)])
        assertPlanError(try open(craft(table: table, weightBytes: 64)), file: path) {
            $0 == .sectionMisaligned(file: self.path, section: "w", offset: 260, alignment: 64)
        }
    }

    func testDuplicateSectionNames() {
        let table = PlanSectionTable.encode([sectionEntry("w", [2], offset: 256), sectionEntry("w", [2], offset: 320)])
        assertPlanError(try open(craft(table: table, weightBytes: 128)), file: path) {
            $0 == .duplicateSection(file: self.path, section: "w")
        }
    }

    func testOverlappingSections() {
        let table = PlanSectionTable.encode([sectionEntry("a", [32], offset: 384), sectionEntry("b", [2], offset: 448)])
        assertPlanError(try open(craft(table: table, weightBytes: 256))) {
            $0 == .malformedSectionTable(file: self.path, reason: "sections 'a' and 'b' overlap")
        }
    }

    func testInconsistentEntries() {
        var wrongType = PlanSectionTable.encode([sectionEntry("w", [2], offset: weightsStart)])
        wrongType[12] = 8  // STRING
        var wrongCount = PlanSectionTable.encode([sectionEntry("w", [2], offset: weightsStart)])
        wrongCount[32] = 12  // 12 bytes for two floats
        var manySections = PlanSectionTable.encode([sectionEntry("w", [2], offset: weightsStart)])
        manySections[3] = 0x7F
        var badName = PlanSectionTable.encode([sectionEntry("w", [2], offset: weightsStart)])
        badName[48] = 0xFF
        for table in [wrongType, wrongCount, manySections, badName, [1, 0, 0], []] {
            assertPlanError(try open(craft(table: table, weightBytes: 64)), file: path) {
                if case .malformedSectionTable = $0 { return true } else { return false }
            }
        }
    }

    func testBoolSectionHoldingOtherBytes() {
        let table = PlanSectionTable.encode([sectionEntry("mask", [3], .bool, offset: weightsStart)])
        assertPlanError(try open(craft(table: table, weightBytes: 3, fill: 2)), file: path) {
            $0.description.contains("bool section 'mask'")
        }
    }

    func testRegionsOutsideTheFile() {
        let table = PlanSectionTable.encode([])
        let edits: [(inout PlanHeader) -> Void] = [
            { $0.manifestRange = 128..<100_000 },
            { $0.weightsRange = 200..<200 },                  // misaligned
            { $0.sectionTableRange = 64..<72 },               // inside the header
            { $0.manifestRange = 128..<200 },                 // overlaps the table
        ]
        for edit in edits {
            assertPlanError(try open(craft(table: table, weightBytes: 0, edit: edit)), file: path) {
                if case .malformedHeader = $0 { return true } else { return false }
            }
        }
    }

    func testManifestThatIsNotJSON() throws {
        let plan = try open(craft(manifest: Array("not json {".utf8), table: PlanSectionTable.encode([]), weightBytes: 0))
        assertPlanError(try plan.decodeManifest(SampleManifest.self), file: path) {
            if case .invalidManifest(_, "SampleManifest", _) = $0 { return true } else { return false }
        }
    }

    /// Random bytes in the section table, with checksums made valid again: the
    /// parser sees hostile input directly. Every outcome must be a PlanError or a
    /// plan whose sections all lie inside the file.
    func testFuzzedSectionTables() throws {
        let base = PlanSectionTable.encode([sectionEntry("weights.a", [3, 5], offset: 256), sectionEntry("b", [2], .int64, offset: 320)])
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var table = base
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                table[Int.random(in: 0..<table.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                let plan = try open(craft(table: table, weightBytes: 128))
                for s in plan.sections { XCTAssertTrue(s.byteRange.upperBound <= plan.byteCount) }
            } catch is PlanError {
                continue
            }
        }
    }
}
