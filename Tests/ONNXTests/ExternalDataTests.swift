import Foundation
import IR
@testable import ONNX
import XCTest

/// Initializers stored in side files (`data_location = EXTERNAL`).
final class ExternalDataTests: XCTestCase {
    private func external(_ name: String, _ type: DataType, dims: [Int64], location: String,
                          offset: Int?, length: Int?) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = Int32(type.rawValue)
        t.dims = dims
        t.dataLocation = .external
        var entries = [("location", location)]
        if let offset { entries.append(("offset", String(offset))) }
        if let length { entries.append(("length", String(length))) }
        t.externalData = entries.map { key, value in
            var e = Onnx_StringStringEntryProto()
            e.key = key
            e.value = value
            return e
        }
        return t
    }

    /// Writes `model.onnx` and `weights.bin` (8 junk bytes, 3 floats, 2 int64s) into a temp dir.
    private func writeModel(_ tensors: [Onnx_TensorProto]) throws -> URL {
        let dir = try makeTemporaryDirectory(self)
        var side = Data([0xDE, 0xAD, 0xBE, 0xEF, 0, 0, 0, 0])
        side.append(Proto.le([Float(1), 2, 3]))
        side.append(Proto.le([Int64(-4), 5]))
        try side.write(to: dir.appendingPathComponent("weights.bin"))
        let url = dir.appendingPathComponent("model.onnx")
        try Proto.bytes(Proto.model(initializers: tensors)).write(to: url)
        return url
    }

    func testReadsRangesFromSideFile() throws {
        let url = try writeModel([
            external("w", .float32, dims: [3], location: "weights.bin", offset: 8, length: 12),
            external("b", .int64, dims: [2], location: "weights.bin", offset: 20, length: 16),
            external("tail", .int64, dims: [2], location: "weights.bin", offset: 20, length: nil),
        ])
        let g = try ONNXImporter().load(contentsOf: url).graph
        XCTAssertEqual(g.initializers["w"], Tensor(f32: [1, 2, 3], shape: [3]))
        XCTAssertEqual(g.initializers["b"], Tensor([Int64(-4), 5], shape: [2]))
        XCTAssertEqual(g.initializers["tail"], Tensor([Int64(-4), 5], shape: [2]))
    }

    func testMissingSideFileNamesTensorAndPath() throws {
        let url = try writeModel([external("w", .float32, dims: [3], location: "gone.bin", offset: 0, length: 12)])
        assertONNXError(try ONNXImporter().load(contentsOf: url)) {
            if case .missingExternalData(let path, "w", let dataPath) = $0 {
                return path == url.path && dataPath.hasSuffix("gone.bin")
            }
            return false
        }
    }

    func testRangePastEndOfFile() throws {
        let url = try writeModel([external("w", .float32, dims: [3], location: "weights.bin", offset: 30, length: 12)])
        assertONNXError(try ONNXImporter().load(contentsOf: url)) {
            if case .externalDataOutOfRange(_, "w", _, 30, 12, 36) = $0 { return true } else { return false }
        }
        let past = try writeModel([external("w", .float32, dims: [0], location: "weights.bin", offset: 99, length: nil)])
        assertONNXError(try ONNXImporter().load(contentsOf: past)) {
            if case .externalDataOutOfRange(_, "w", _, 99, _, 36) = $0 { return true } else { return false }
        }
    }

    func testLengthNotMatchingShape() throws {
        let url = try writeModel([external("w", .float32, dims: [4], location: "weights.bin", offset: 8, length: 12)])
        assertONNXError(try ONNXImporter().load(contentsOf: url)) {
            if case .dataSizeMismatch(_, "w", 16, 12, "bytes") = $0 { return true } else { return false }
        }
    }

    func testHugeDimIsRejectedBeforeReading() throws {
        let url = try writeModel([
            external("w", .float32, dims: [1 << 40], location: "weights.bin", offset: 0, length: nil),
        ])
        assertONNXError(try ONNXImporter().load(contentsOf: url)) {
            if case .dataSizeMismatch(_, "w", _, 36, "bytes") = $0 { return true } else { return false }
        }
    }

    func testMalformedEntries() throws {
        let escaping = try writeModel([external("w", .float32, dims: [3], location: "../weights.bin", offset: 8, length: 12)])
        let absolute = try writeModel([external("w", .float32, dims: [3], location: "/etc/passwd", offset: 0, length: 12)])
        let badOffset = try writeModel([external("w", .float32, dims: [3], location: "weights.bin", offset: -1, length: 12)])
        let noLocation = try writeModel([external("w", .float32, dims: [3], location: "", offset: 8, length: 12)])
        let directory = try writeModel([external("w", .float32, dims: [3], location: ".", offset: 8, length: 12)])
        for url in [escaping, absolute, badOffset, noLocation, directory] {
            assertONNXError(try ONNXImporter().load(contentsOf: url)) {
                if case .invalidExternalData(_, "w", _) = $0 { return true } else { return false }
            }
        }
    }

    func testInMemoryLoadWithoutDirectoryThrows() throws {
        let m = Proto.model(initializers: [external("w", .float32, dims: [3], location: "weights.bin", offset: 8, length: 12)])
        assertONNXError(try Proto.load(m, directory: nil)) {
            if case .invalidExternalData(_, "w", _) = $0 { return true } else { return false }
        }
    }
}
