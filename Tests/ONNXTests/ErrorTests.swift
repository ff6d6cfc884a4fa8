import Foundation
import IR
@testable import ONNX
import XCTest

/// Every way a file can be wrong: each throws an `ONNXError` naming the file
/// and what is wrong in one line, and nothing traps.
final class ErrorTests: XCTestCase {
    private var validModel: Data {
        get throws {
            try Proto.bytes(Proto.model(initializers: [Proto.tensor("w", .float32, dims: [64], raw: Proto.le([Float](repeating: 1, count: 64)))]))
        }
    }

    func testFileNotFound() {
        let url = URL(fileURLWithPath: "/nonexistent/dir/model.onnx")
        assertONNXError(try ONNXImporter().load(contentsOf: url)) { $0 == .fileNotFound(path: url.path) }
    }

    func testDirectoryIsUnreadable() throws {
        let dir = try makeTemporaryDirectory(self)
        assertONNXError(try ONNXImporter().load(contentsOf: dir)) {
            if case .unreadableFile = $0 { return true } else { return false }
        }
    }

    func testTruncatedFileNamesTheFile() throws {
        let dir = try makeTemporaryDirectory(self)
        let data = try validModel
        for cut in [data.count - 1, data.count / 2, 7] {
            let url = dir.appendingPathComponent("cut\(cut).onnx")
            try data.prefix(cut).write(to: url)
            assertONNXError(try ONNXImporter().load(contentsOf: url)) {
                if case .invalidProtobuf(let path, _) = $0 { return path == url.path } else { return false }
            }
        }
    }

    func testGarbageAndFlippedBytesNeverTrap() throws {
        let data = try validModel
        var rng = SystemRandomNumberGenerator()
        var sawError = false
        for trial in 0..<200 {
            var corrupt = data
            for _ in 0..<(1 + trial % 8) {
                let i = Int.random(in: 0..<corrupt.count, using: &rng)
                corrupt[i] = UInt8.random(in: 0...255, using: &rng)
            }
            do {
                _ = try ONNXImporter().load(data: corrupt, source: "corrupt.onnx", externalDataDirectory: nil)
            } catch let error as ONNXError {
                sawError = true
                XCTAssertTrue(error.description.hasPrefix("corrupt.onnx"), error.description)
            }
        }
        let garbage = Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) })
        assertONNXError(try ONNXImporter().load(data: garbage, source: "garbage.onnx", externalDataDirectory: nil)) { _ in true }
        XCTAssertTrue(sawError)
    }

    func testHostileVarintLengthsDoNotAllocate() {
        // Field 7 (graph), length-delimited, claiming 2^62 bytes.
        var bytes: [UInt8] = [0x3A]
        var n: UInt64 = 1 << 62
        while n >= 0x80 { bytes.append(UInt8(n & 0x7F) | 0x80); n >>= 7 }
        bytes.append(UInt8(n))
        assertONNXError(try ONNXImporter().load(data: Data(bytes), source: "huge.onnx", externalDataDirectory: nil)) {
            if case .invalidProtobuf(let path, _) = $0 { return path == "huge.onnx" } else { return false }
        }
    }

    func testNotAModel() throws {
        assertONNXError(try ONNXImporter().load(data: Data(), source: "empty.onnx", externalDataDirectory: nil)) {
            $0 == .notAModel(path: "empty.onnx")
        }
        var noGraph = Onnx_ModelProto()
        noGraph.irVersion = 8
        assertONNXError(try ONNXImporter().load(data: noGraph.serializedBytes(), source: "m.onnx", externalDataDirectory: nil)) {
            $0 == .notAModel(path: "m.onnx")
        }
    }

    func testRawSizeMismatch() throws {
        let m = Proto.model(initializers: [Proto.tensor("w", .float32, dims: [2, 3], raw: Proto.le([Float](repeating: 0, count: 5)))])
        assertONNXError(try Proto.load(m)) {
            $0 == .dataSizeMismatch(path: "test.onnx", tensor: "w", expected: 24, found: 20, unit: "bytes")
        }
    }

    func testTypedFieldCountMismatch() throws {
        let m = Proto.model(initializers: [Proto.floats("w", [1, 2], dims: [3])])
        assertONNXError(try Proto.load(m)) {
            $0 == .dataSizeMismatch(path: "test.onnx", tensor: "w", expected: 3, found: 2, unit: "elements")
        }
        let noData = Proto.model(initializers: [Proto.tensor("w", typeCode: 7, dims: [4]) { _ in }])
        assertONNXError(try Proto.load(noData)) {
            $0 == .dataSizeMismatch(path: "test.onnx", tensor: "w", expected: 4, found: 0, unit: "elements")
        }
    }

    func testHugeDimsInCorruptFileDoNotAllocate() throws {
        let huge = Proto.model(initializers: [Proto.tensor("w", .float32, dims: [1 << 20, 1 << 20, 1 << 10], raw: Data(count: 16))])
        assertONNXError(try Proto.load(huge)) {
            if case .dataSizeMismatch(_, "w", _, 16, "bytes") = $0 { return true } else { return false }
        }
        let overflow = Proto.model(initializers: [Proto.tensor("w", .float32, dims: [1 << 40, 1 << 40], raw: Data())])
        assertONNXError(try Proto.load(overflow)) {
            $0 == .invalidShape(path: "test.onnx", tensor: "w", dims: [1 << 40, 1 << 40])
        }
        let negative = Proto.model(initializers: [Proto.tensor("w", .float32, dims: [-1, 4], raw: Data())])
        assertONNXError(try Proto.load(negative)) {
            $0 == .invalidShape(path: "test.onnx", tensor: "w", dims: [-1, 4])
        }
    }

    func testUnknownElementTypes() throws {
        let unknown = Proto.model(initializers: [Proto.tensor("w", typeCode: 99, dims: [1]) { $0.rawData = Data([0]) }])
        assertONNXError(try Proto.load(unknown)) { $0 == .unknownElementType(path: "test.onnx", name: "w", code: 99) }
        let fp8 = Proto.model(initializers: [Proto.tensor("w8", typeCode: 17, dims: [1]) { $0.rawData = Data([0]) }])
        assertONNXError(try Proto.load(fp8)) { $0.description.contains("FLOAT8E4M3FN") }
        var valueInfo = Proto.model()
        valueInfo.graph.input[0].type.tensorType.elemType = 14
        assertONNXError(try Proto.load(valueInfo)) { $0 == .unknownElementType(path: "test.onnx", name: "x", code: 14) }
    }

    func testStringTensorInRawDataIsUnsupported() throws {
        let m = Proto.model(initializers: [Proto.tensor("names", .string, dims: [1], raw: Data("abc".utf8))])
        assertONNXError(try Proto.load(m)) {
            if case .unsupported(_, "names", _) = $0 { return true } else { return false }
        }
    }

    func testSegmentedTensorIsUnsupported() throws {
        var t = Proto.floats("w", [1], dims: [1])
        t.segment.begin = 0
        t.segment.end = 1
        assertONNXError(try Proto.load(Proto.model(initializers: [t]))) {
            if case .unsupported(_, "w", _) = $0 { return true } else { return false }
        }
    }

    func testTensorProtoErrors() throws {
        assertONNXError(try ONNXImporter.tensor(fromTensorProto: Data([0x0A, 0xFF]), source: "input_0.pb")) {
            if case .invalidProtobuf("input_0.pb", _) = $0 { return true } else { return false }
        }
        assertONNXError(try ONNXImporter.tensor(fromTensorProto: Data(), source: "input_0.pb")) {
            $0 == .unknownElementType(path: "input_0.pb", name: "<unnamed>", code: 0)
        }
    }
}
