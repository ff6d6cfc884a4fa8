import Foundation
import IR
@testable import ONNX
import XCTest

/// Every storage form of TensorProto and every element type.
final class TensorStorageTests: XCTestCase {
    private func decode(_ t: Onnx_TensorProto) throws -> Tensor {
        try ONNXImporter.tensor(fromTensorProto: t.serializedBytes(), source: "t.pb")
    }

    func testRawDataForEveryDataType() throws {
        let cases: [(DataType, Data, TensorData)] = [
            (.float32, Proto.le([Float(1.5), -2]), .float32([1.5, -2])),
            (.float64, Proto.le([2.25, -0.5]), .float64([2.25, -0.5])),
            (.float16, Proto.le([UInt16(0x3C00), 0xC000]), .float16([0x3C00, 0xC000])),
            (.bfloat16, Proto.le([UInt16(0x3F80), 0x4000]), .bfloat16([0x3F80, 0x4000])),
            (.int8, Proto.le([Int8(-3), 7]), .int8([-3, 7])),
            (.uint8, Proto.le([UInt8(250), 1]), .uint8([250, 1])),
            (.int16, Proto.le([Int16(-300), 300]), .int16([-300, 300])),
            (.uint16, Proto.le([UInt16(65000), 2]), .uint16([65000, 2])),
            (.int32, Proto.le([Int32(-70000), 70000]), .int32([-70000, 70000])),
            (.uint32, Proto.le([UInt32(4_000_000_000), 3]), .uint32([4_000_000_000, 3])),
            (.int64, Proto.le([Int64(-1) << 40, 5]), .int64([-1 << 40, 5])),
            (.uint64, Proto.le([UInt64.max, 9]), .uint64([.max, 9])),
            (.bool, Data([1, 0]), .bool([true, false])),
        ]
        XCTAssertEqual(Set(cases.map(\.0.rawValue)), Set(DataType.allCases.filter { $0 != .string }.map(\.rawValue)))
        for (type, raw, expected) in cases {
            let t = try decode(Proto.tensor("w", type, dims: [2, 1], raw: raw))
            XCTAssertEqual(t.shape, [2, 1], "\(type)")
            XCTAssertEqual(t.data, expected, "\(type)")
        }
    }

    func testRawDataIsLittleEndian() throws {
        let t = try decode(Proto.tensor("w", .int32, dims: [1], raw: Data([0x01, 0x02, 0x03, 0x04])))
        XCTAssertEqual(t.int32s, [0x0403_0201])
    }

    func testTypedFields() throws {
        XCTAssertEqual(try decode(Proto.floats("f", [1, 2, 3], dims: [3])).floats, [1, 2, 3])
        let double = Proto.tensor("d", typeCode: 11, dims: [2]) { $0.doubleData = [0.125, 4] }
        XCTAssertEqual(try decode(double).data, .float64([0.125, 4]))
        let i64 = Proto.tensor("i", typeCode: 7, dims: [2]) { $0.int64Data = [.min, .max] }
        XCTAssertEqual(try decode(i64).int64s, [.min, .max])
        let u64 = Proto.tensor("u", typeCode: 13, dims: [1]) { $0.uint64Data = [.max] }
        XCTAssertEqual(try decode(u64).data, .uint64([.max]))
        let u32 = Proto.tensor("u", typeCode: 12, dims: [1]) { $0.uint64Data = [4_000_000_000] }
        XCTAssertEqual(try decode(u32).data, .uint32([4_000_000_000]))
        let strings = Proto.tensor("s", typeCode: 8, dims: [2]) { $0.stringData = [Data("ab".utf8), Data("ü".utf8)] }
        XCTAssertEqual(try decode(strings).data, .string(["ab", "ü"]))
    }

    func testInt32FieldCarriesSmallTypesAndHalfBits() throws {
        let cases: [(Int32, [Int32], TensorData)] = [
            (6, [-5, 6], .int32([-5, 6])),
            (3, [-5, 6], .int8([-5, 6])),
            (2, [255, 6], .uint8([255, 6])),
            (5, [-300, 6], .int16([-300, 6])),
            (4, [65535, 6], .uint16([65535, 6])),
            (9, [1, 0], .bool([true, false])),
            (10, [0x3C00, 0x7C00], .float16([0x3C00, 0x7C00])),
            (16, [0x3F80, 0xBF80], .bfloat16([0x3F80, 0xBF80])),
        ]
        for (code, values, expected) in cases {
            let t = try decode(Proto.tensor("w", typeCode: code, dims: [2]) { $0.int32Data = values })
            XCTAssertEqual(t.data, expected, "type code \(code)")
        }
    }

    func testScalarAndEmptyTensors() throws {
        let scalar = try decode(Proto.tensor("s", .float32, dims: [], raw: Proto.le([Float(7)])))
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.floats, [7])
        let empty = try decode(Proto.tensor("e", .int64, dims: [0, 3], raw: Data()))
        XCTAssertEqual(empty.shape, [0, 3])
        XCTAssertEqual(empty.count, 0)
        let emptyTyped = Proto.tensor("e", typeCode: 1, dims: [4, 0]) { _ in }
        XCTAssertEqual(try decode(emptyTyped).shape, [4, 0])
    }

    func testNamedTensor() throws {
        let data: Data = try Proto.floats("input_0", [1], dims: [1]).serializedBytes()
        let named = try ONNXImporter.namedTensor(fromTensorProto: data, source: "input_0.pb")
        XCTAssertEqual(named.name, "input_0")
        XCTAssertEqual(named.tensor.floats, [1])
    }

    func testSparseInitializerIsDensified() throws {
        var linear = Onnx_SparseTensorProto()
        linear.values = Proto.floats("sp", [5, 6], dims: [2])
        linear.indices = Proto.tensor("", typeCode: 7, dims: [2]) { $0.int64Data = [1, 5] }
        linear.dims = [2, 3]
        var coordinates = Onnx_SparseTensorProto()
        coordinates.values = Proto.tensor("sc", typeCode: 7, dims: [2]) { $0.int64Data = [8, 9] }
        coordinates.indices = Proto.tensor("", typeCode: 7, dims: [2, 2]) { $0.int64Data = [0, 2, 1, 0] }
        coordinates.dims = [2, 3]
        var m = Proto.model()
        m.graph.sparseInitializer = [linear, coordinates]
        let g = try Proto.load(m).graph
        XCTAssertEqual(g.initializers["sp"], Tensor(f32: [0, 5, 0, 0, 0, 6], shape: [2, 3]))
        XCTAssertEqual(g.initializers["sc"], Tensor([Int64(0), 0, 8, 9, 0, 0], shape: [2, 3]))
    }

    func testSparseIndexOutOfRangeThrows() throws {
        var s = Onnx_SparseTensorProto()
        s.values = Proto.floats("sp", [5], dims: [1])
        s.indices = Proto.tensor("", typeCode: 7, dims: [1]) { $0.int64Data = [6] }
        s.dims = [2, 3]
        var m = Proto.model()
        m.graph.sparseInitializer = [s]
        assertONNXError(try Proto.load(m)) {
            if case .invalidTensor(_, "sp", _) = $0 { return true } else { return false }
        }
    }

    func testSparseHugeDenseShapeThrowsWithoutAllocating() throws {
        var s = Onnx_SparseTensorProto()
        s.values = Proto.floats("sp", [5], dims: [1])
        s.indices = Proto.tensor("", typeCode: 7, dims: [1]) { $0.int64Data = [0] }
        s.dims = [1 << 30, 1 << 30]
        var m = Proto.model()
        m.graph.sparseInitializer = [s]
        assertONNXError(try Proto.load(m)) {
            if case .invalidTensor(_, "sp", let reason) = $0 { return reason.contains("memory") } else { return false }
        }
    }
}
