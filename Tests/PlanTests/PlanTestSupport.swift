import Foundation
import IR
import XCTest
@testable import Plan

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("PlanTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// The names in the directory, hidden files included, sorted.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// A manifest shaped like what a builder would write.
struct SampleManifest: Codable, Equatable {
    struct Layer: Codable, Equatable {
        var name: String
        var tactic: String
        var weights: [String]
    }
    var layers: [Layer]
    var workspaceBytes: Int
}

enum PlanSamples {
    static let manifest = SampleManifest(layers: [
        .init(name: "fc1", tactic: "gemm.openblas.rows", weights: ["fc1.weight", "fc1.bias"]),
        .init(name: "mask", tactic: "elementwise.simd16", weights: ["mask"]),
    ], workspaceBytes: 4096)

    static let floats: [Float] = (0..<37).map { Float($0) * 0.5 - 3 }          // odd size
    static let int64s: [Int64] = (0..<15).map { Int64($0) * 1_000_000_007 - 9 }
    static let bools: [Bool] = (0..<7).map { $0 % 3 == 0 }
    static let raw = Data((0..<13).map { UInt8($0 * 17 & 0xFF) })

    /// A writer with float32, int64, bool, empty, raw-byte, float16 and `fill` sections.
    static func writer() throws -> PlanWriter {
        var writer = PlanWriter()
        try writer.setManifest(manifest)
        try writer.addSection(named: "fc1.weight", floats: floats)
        try writer.addSection(named: "positions", tensor: Tensor(int64s, shape: [3, 5]))
        try writer.addSection(named: "mask", tensor: Tensor(bools, shape: [7]))
        try writer.addSection(named: "empty", floats: [], shape: [2, 0])
        try writer.addSection(named: "raw", bytes: raw)
        try writer.addSection(named: "half", tensor: Tensor(shape: [3], data: .float16([0x3C00, 0xC000, 0x7BFF])))
        try writer.addSection(named: "fc1.bias", dataType: .float32, shape: [5]) { buffer in
            let floats = buffer.bindMemory(to: Float.self)
            for i in floats.indices { floats[i] = Float(i) + 0.25 }
        }
        return writer
    }

    /// Writes the sample plan and returns its bytes.
    static func write(to url: URL) throws -> [UInt8] {
        try writer().write(to: url)
        return try [UInt8](Data(contentsOf: url))
    }
}

/// Asserts that `body` throws a `PlanError` that `check` accepts, and that its
/// description is one line naming `file` (when given).
func assertPlanError<T>(_ body: @autoclosure () throws -> T, file planFile: String? = nil,
                        _ check: (PlanError) -> Bool,
                        file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected a PlanError, nothing was thrown", file: file, line: line)
    } catch let error as PlanError {
        XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "not one line: \(error)", file: file, line: line)
        if let planFile {
            XCTAssertTrue(error.description.hasPrefix(planFile), "does not name \(planFile): \(error)",
                          file: file, line: line)
        }
    } catch {
        XCTFail("expected a PlanError, got \(error)", file: file, line: line)
    }
}

extension Array where Element == UInt8 {
    /// Writes the bytes to `url`.
    func write(to url: URL) throws { try Data(self).write(to: url) }
}
