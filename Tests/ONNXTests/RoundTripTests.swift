import Foundation
import IR
@testable import ONNX
import XCTest

/// `import(export(m)) == m` for every attribute kind and element type, and the
/// exporter's file handling (atomic writes, external data, custom domains).
final class RoundTripTests: XCTestCase {
    private static let opsets = ["": 17, "workbench": 1]

    /// One tensor of every element type.
    static var everyDataType: [String: Tensor] {
        [
            "f32": Tensor(shape: [2, 2], data: .float32([1.5, -2, .infinity, 0])),
            "f64": Tensor(shape: [2], data: .float64([0.1, -1e300])),
            "f16": Tensor(shape: [2], data: .float16([0x3C00, 0x7E00])),
            "bf16": Tensor(shape: [1], data: .bfloat16([0x3F80])),
            "i8": Tensor(shape: [2], data: .int8([-128, 127])),
            "u8": Tensor(shape: [2], data: .uint8([0, 255])),
            "i16": Tensor(shape: [1], data: .int16([-32768])),
            "u16": Tensor(shape: [1], data: .uint16([65535])),
            "i32": Tensor(shape: [1], data: .int32([.min])),
            "u32": Tensor(shape: [1], data: .uint32([.max])),
            "i64": Tensor(shape: [], data: .int64([.min])),
            "u64": Tensor(shape: [1], data: .uint64([.max])),
            "bool": Tensor(shape: [3], data: .bool([true, false, true])),
            "str": Tensor(shape: [2], data: .string(["a", "üñ"])),
            "empty": Tensor(shape: [0, 4], data: .float32([])),
        ]
    }

    static func sampleModel() -> Model {
        let body = Graph(name: "body", nodes: [Node(name: "id", opType: "Identity", inputs: ["x"], outputs: ["o"])],
                         outputs: [ValueInfo(name: "o", type: ValueType(.float32, ["B"]))],
                         initializers: ["k": Tensor(f32: [1], shape: [1])], opsetImports: opsets)
        let attributes: [String: Attribute] = [
            "f": .float(0.25), "i": .int(-3), "s": .string("text"), "t": .tensor(everyDataType["i64"]!),
            "g": .graph(body), "fs": .floats([1, -1]), "is": .ints([]), "ss": .strings(["x", ""]),
            "ts": .tensors(Array(everyDataType.values.sorted { $0.description < $1.description })),
            "gs": .graphs([body, body]), "tp": .type(ValueType(.int32, ["N", 3])),
            "tps": .types([ValueType(.bool, nil), ValueType(.float16, [])]),
        ]
        let nodes = [
            Node(name: "custom", opType: "Everything", domain: "workbench", inputs: ["x", ""], outputs: ["h"],
                 attributes: attributes, docString: "every attribute kind"),
            Node(name: "relu", opType: "Relu", inputs: ["h"], outputs: ["y"]),
        ]
        let graph = Graph(name: "main", nodes: nodes,
                          inputs: [ValueInfo(name: "x", type: ValueType(.float32, ["B", "unk__0", 80]), docString: "speech")],
                          outputs: [ValueInfo(name: "y", type: ValueType(.float32, nil)), ValueInfo(name: "h", type: nil)],
                          initializers: everyDataType,
                          valueInfo: ["h": ValueInfo(name: "h", type: ValueType(.float32, ["B", 1]))],
                          opsetImports: opsets)
        return Model(graph: graph, irVersion: 9, producerName: "workbench", producerVersion: "0.1",
                     domain: "tests", modelVersion: 2, docString: "round trip", metadata: ["k": "v", "a": "b"])
    }

    func testSerializeThenImportGivesTheSameModel() throws {
        let model = Self.sampleModel()
        let data = try ONNXExporter().serialize(model)
        let back = try ONNXImporter().load(data: data, source: "rt.onnx", externalDataDirectory: nil)
        XCTAssertEqual(back.graph.nodes, model.graph.nodes)
        XCTAssertEqual(back.graph.initializers, model.graph.initializers)
        XCTAssertEqual(back, model)
        XCTAssertEqual(try ONNXExporter().serialize(back), data, "export is deterministic")
    }

    func testCustomDomainGetsAnOpsetImport() throws {
        var model = Self.sampleModel()
        model.graph.opsetImports = ["": 13]
        let proto = try Onnx_ModelProto(serializedBytes: ONNXExporter().serialize(model))
        let opsets = Dictionary(uniqueKeysWithValues: proto.opsetImport.map { ($0.domain, $0.version) })
        XCTAssertEqual(opsets, ["": 13, "workbench": 1])
        XCTAssertEqual(proto.graph.node[0].domain, "workbench")
    }

    func testWriteIsAtomicAndLeavesNoTemporaries() throws {
        let dir = try makeTemporaryDirectory(self)
        let url = dir.appendingPathComponent("model.onnx")
        try Data("old contents".utf8).write(to: url)
        try ONNXExporter().write(Self.sampleModel(), to: url)
        XCTAssertEqual(try ONNXImporter().load(contentsOf: url), Self.sampleModel())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["model.onnx"])
    }

    func testWriteToMissingDirectoryThrows() {
        let url = URL(fileURLWithPath: "/nonexistent/dir/model.onnx")
        assertONNXError(try ONNXExporter().write(Self.sampleModel(), to: url)) {
            if case .writeFailed(let path, _) = $0 { return path == url.path } else { return false }
        }
    }

    func testWriteWithExternalData() throws {
        let dir = try makeTemporaryDirectory(self)
        let url = dir.appendingPathComponent("enc.onnx")
        var model = Self.sampleModel()
        model.graph.initializers["big"] = Tensor(f32: (0..<1000).map(Float.init), shape: [10, 100])
        model.graph.initializers["big2"] = Tensor(shape: [300], data: .int64((0..<300).map(Int64.init)))
        try ONNXExporter().write(model, to: url, externalDataThreshold: 1024)

        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(files, ["enc.onnx", "enc.onnx.data"])
        let proto = try Onnx_ModelProto(serializedBytes: Data(contentsOf: url))
        let external = proto.graph.initializer.filter { $0.dataLocation == .external }.map(\.name)
        XCTAssertEqual(external, ["big", "big2"])
        let side = try Data(contentsOf: dir.appendingPathComponent("enc.onnx.data"))
        XCTAssertEqual(side.count, 4032 + 2400)  // big at 0, big2 at the next 64-byte boundary
        XCTAssertEqual(try ONNXImporter().load(contentsOf: url), model)
    }
}
