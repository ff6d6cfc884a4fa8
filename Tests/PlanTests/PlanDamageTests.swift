import Foundation
import IR
import XCTest
@testable import Plan

/// Files that are truncated, flipped, from the future or not plans at all.
final class PlanDamageTests: XCTestCase {
    var directory: TemporaryDirectory!
    var original: [UInt8] = []

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        original = try PlanSamples.write(to: directory.file("original.plan"))
    }

    override func tearDown() { directory.remove() }

    /// Writes `bytes` to a fresh file and opens it.
    private func open(_ bytes: [UInt8], _ name: String = "damaged.plan") throws -> PlanFile {
        try bytes.write(to: directory.file(name))
        return try PlanFile(contentsOf: directory.file(name))
    }

    private var path: String { directory.file("damaged.plan").relativePath }

    func testTruncatedInsideTheHeader() {
        for size in [1, 5, 11, 12, 15, 16, 64, 120, 127] {
            assertPlanError(try open(Array(original.prefix(size))), file: path) {
                $0 == .truncated(file: self.path, expected: 128, actual: size)
            }
        }
    }

    func testTruncatedInsideTheBody() throws {
        let header = try PlanFile(contentsOf: directory.file("original.plan")).header
        for size in [128, 129, header.manifestRange.upperBound, header.sectionTableRange.lowerBound + 3,
                     header.weightsRange.lowerBound, original.count - 1] {
            assertPlanError(try open(Array(original.prefix(size))), file: path) {
                $0 == .truncated(file: self.path, expected: self.original.count, actual: size)
            }
        }
    }

    func testEmptyFile() {
        assertPlanError(try open([]), file: path) { $0 == .empty(file: self.path) }
    }

    func testAppendedBytes() {
        assertPlanError(try open(original + [0, 1, 2]), file: path) {
            $0 == .trailingBytes(file: self.path, expected: self.original.count, actual: self.original.count + 3)
        }
    }

    func testFlippedHeaderBytes() {
        // file size, manifest offset, body checksum, writer version, header checksum
        for offset in [24, 33, 85, 90, 121] {
            var bytes = original
            bytes[offset] ^= 0x40
            assertPlanError(try open(bytes), file: path) {
                if case .headerChecksumMismatch = $0 { return true } else { return false }
            }
        }
    }

    func testFlippedBodyBytes() throws {
        let header = try PlanFile(contentsOf: directory.file("original.plan")).header
        let section = try PlanFile(contentsOf: directory.file("original.plan")).sections[1]
        for offset in [header.manifestRange.lowerBound + 2, header.sectionTableRange.lowerBound + 9,
                       section.offset + 5, original.count - 1] {
            var bytes = original
            bytes[offset] ^= 0x01
            assertPlanError(try open(bytes), file: path) {
                guard case .bodyChecksumMismatch(_, let stored, let computed) = $0 else { return false }
                return stored != computed && $0.description.contains("corrupted")
            }
        }
    }

    func testFutureVersionSaysWhichVersionsAndToRebuild() {
        var bytes = original
        bytes[12] = 7
        assertPlanError(try open(bytes), file: path) {
            $0 == .futureVersion(file: self.path, found: 7, newestReadable: 1)
                && $0.description.contains("version 7") && $0.description.contains("version 1")
                && $0.description.contains("rebuild")
        }
    }

    func testObsoleteVersion() {
        var bytes = original
        bytes[12] = 0
        assertPlanError(try open(bytes), file: path) {
            $0 == .obsoleteVersion(file: self.path, found: 0, oldestReadable: 1) && $0.description.contains("rebuild")
        }
    }

    func testFlippedMagicIsNotAPlan() {
        var bytes = original
        bytes[3] ^= 0x20
        assertPlanError(try open(bytes), file: path) { $0 == .badMagic(file: self.path, looksLike: nil) }
    }

    func testTextModeTransferIsRecognised() {
        // CRLF -> LF conversion drops the \r of the magic.
        var bytes = original
        bytes.remove(at: 7)
        assertPlanError(try open(bytes), file: path) {
            guard case .badMagic(_, let looks?) = $0 else { return false }
            return looks.contains("text-mode")
        }
    }

    func testONNXFileIsNamedAsSuch() {
        // ModelProto: ir_version 8 (08 08), producer_name "pytorch" (12 07 ...), producer_version (1A 05 ...).
        let onnx: [UInt8] = [0x08, 0x08, 0x12, 0x07] + Array("pytorch".utf8) + [0x1A, 0x05] + Array("2.1.0".utf8)
            + [0x3A, 0x10] + [UInt8](repeating: 0x0A, count: 16)
        assertPlanError(try open(onnx, "model.plan"), file: directory.file("model.plan").relativePath) {
            guard case .badMagic(_, let looks?) = $0 else { return false }
            return looks.contains("ONNX") && looks.contains("ir_version 8")
        }
        assertPlanError(try open([0x00, 0x01, 0x02, 0x03], "encoder.onnx")) {
            guard case .badMagic(_, let looks?) = $0 else { return false }
            return looks.contains("ONNX")
        }
    }

    func testTextFilesAreNamedAsSuch() {
        assertPlanError(try open(Array("hello, this is not an engine\nsecond line\n".utf8)), file: path) {
            $0 == .badMagic(file: self.path, looksLike: "a text file (starts with \"hello, this is not an engine\")")
        }
        assertPlanError(try open(Array(#"  {"layers": []}"#.utf8)), file: path) {
            $0 == .badMagic(file: self.path, looksLike: "a JSON text file")
        }
        // Short text and a multi-byte character: still text, never a trap.
        assertPlanError(try open(Array("ünï".utf8)), file: path) {
            guard case .badMagic(_, let looks?) = $0 else { return false }
            return looks.hasPrefix("a text file")
        }
    }

    func testOtherForeignFiles() {
        assertPlanError(try open([0x93] + Array("NUMPY".utf8) + [1, 0])) {
            $0.description.contains("NumPy")
        }
        assertPlanError(try open([0x50, 0x4B, 0x03, 0x04, 0, 0])) { $0.description.contains("ZIP") }
        assertPlanError(try open([0xFF, 0xFE, 0x00, 0x01, 0x02])) {
            if case .badMagic(_, nil) = $0 { return true } else { return false }
        }
    }

    func testMissingFileAndDirectory() {
        let missing = directory.file("missing.plan")
        assertPlanError(try PlanFile(contentsOf: missing), file: missing.relativePath) {
            $0 == .notFound(file: missing.relativePath)
        }
        assertPlanError(try PlanFile(contentsOf: directory.url)) {
            if case .unreadable = $0 { return true } else { return false }
        }
    }
}
