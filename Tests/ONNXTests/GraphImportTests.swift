import Foundation
import IR
@testable import ONNX
import XCTest

/// Model-level fields, value infos, node names, attributes and subgraphs.
final class GraphImportTests: XCTestCase {
    func testModelFieldsAndOpsets() throws {
        var m = Proto.model(opsets: ["ai.onnx": 13, "com.microsoft": 1])
        m.producerVersion = "2.1"
        m.domain = "org.example"
        m.modelVersion = 3
        m.docString = "doc"
        var entry = Onnx_StringStringEntryProto()
        entry.key = "author"
        entry.value = "tests"
        m.metadataProps = [entry]
        let model = try Proto.load(m)
        XCTAssertEqual(model.irVersion, 8)
        XCTAssertEqual(model.producerName, "swift-tests")
        XCTAssertEqual(model.producerVersion, "2.1")
        XCTAssertEqual(model.domain, "org.example")
        XCTAssertEqual(model.modelVersion, 3)
        XCTAssertEqual(model.docString, "doc")
        XCTAssertEqual(model.metadata, ["author": "tests"])
        XCTAssertEqual(model.graph.opsetImports, ["": 13, "com.microsoft": 1])
        XCTAssertEqual(model.graph.opset, 13)
        XCTAssertEqual(model.graph.name, "test")
    }

    func testValueInfoShapes() throws {
        var m = Proto.model()
        m.graph.input = [
            Proto.valueInfo("speech", .float32, [Proto.dim("B"), Proto.unknownDim, Proto.dim(80)]),
            Proto.valueInfo("lengths", .int32, [Proto.unknownDim]),
            Proto.valueInfo("noshape", .int64, nil),
            Proto.valueInfo("scalar", .bool, []),
        ]
        // A user symbol that looks like a generated one: generated names must skip it.
        m.graph.valueInfo = [Proto.valueInfo("mid", .float16, [Proto.dim("unk__0"), Proto.dim(2)])]
        var untyped = Onnx_ValueInfoProto()
        untyped.name = "untyped"
        m.graph.output.append(untyped)
        let g = try Proto.load(m).graph
        XCTAssertEqual(g.inputs[0].type, ValueType(.float32, ["B", "unk__1", 80]))
        XCTAssertEqual(g.inputs[1].type, ValueType(.int32, ["unk__2"]))
        XCTAssertEqual(g.inputs[2].type, ValueType(.int64, nil))
        XCTAssertEqual(g.inputs[3].type, ValueType(.bool, Shape([Dim]())))
        XCTAssertEqual(g.valueInfo["mid"]?.type, ValueType(.float16, ["unk__0", 2]))
        XCTAssertEqual(g.outputs.last, ValueInfo(name: "untyped", type: nil))
    }

    func testUnnamedNodesGetStableNames() throws {
        let nodes = [
            Proto.node("Relu", ["x"], ["a"]),
            Proto.node("Add", ["a", "a"], ["b"], name: "named_add"),
            Proto.node("Relu", ["b"], ["y"]),
        ]
        let g = try Proto.load(Proto.model(nodes: nodes)).graph
        XCTAssertEqual(g.nodes.map(\.name), ["Relu_0", "named_add", "Relu_2"])
        XCTAssertEqual(try Proto.load(Proto.model(nodes: nodes)).graph.nodes.map(\.name), g.nodes.map(\.name))
    }

    func testNodeDomainsAndDocStrings() throws {
        var custom = Proto.node("LayerNormPlugin", ["x"], ["y"], name: "ln", domain: "workbench")
        custom.docString = "fused"
        let standard = Proto.node("Relu", ["y"], ["z"], name: "r", domain: "ai.onnx")
        let g = try Proto.load(Proto.model(nodes: [custom, standard])).graph
        XCTAssertEqual(g.nodes[0].domain, "workbench")
        XCTAssertEqual(g.nodes[0].docString, "fused")
        XCTAssertNil(g.nodes[0].op)
        XCTAssertEqual(g.nodes[1].domain, "")
        XCTAssertEqual(g.nodes[1].op, .relu)
    }

    func testEveryAttributeKind() throws {
        var body = Onnx_GraphProto()
        body.name = "body"
        body.node = [Proto.node("Identity", ["x"], ["out"])]
        body.output = [Proto.valueInfo("out", .float32, nil)]
        var tp = Onnx_TypeProto()
        tp.tensorType.elemType = 7
        tp.tensorType.shape.dim = [Proto.dim("N")]
        let attributes = [
            Proto.attribute("f") { $0.type = .float; $0.f = 0.5 },
            Proto.attribute("i") { $0.type = .int; $0.i = -7 },
            Proto.attribute("s") { $0.type = .string; $0.s = Data("hi".utf8) },
            Proto.attribute("t") { $0.type = .tensor; $0.t = Proto.floats("", [1, 2], dims: [2]) },
            Proto.attribute("g") { $0.type = .graph; $0.g = body },
            Proto.attribute("fs") { $0.type = .floats; $0.floats = [1, 2] },
            Proto.attribute("is") { $0.type = .ints; $0.ints = [3, -4] },
            Proto.attribute("ss") { $0.type = .strings; $0.strings = [Data("a".utf8), Data("b".utf8)] },
            Proto.attribute("ts") { $0.type = .tensors; $0.tensors = [Proto.floats("", [3], dims: [1])] },
            Proto.attribute("gs") { $0.type = .graphs; $0.graphs = [body, body] },
            Proto.attribute("tp") { $0.type = .typeProto; $0.tp = tp },
            Proto.attribute("tps") { $0.type = .typeProtos; $0.typeProtos = [tp] },
            Proto.attribute("legacy") { $0.i = 9 },  // IR v1 style: no type field
            Proto.attribute("empty_ints") { $0.type = .ints },
        ]
        let m = Proto.model(nodes: [Proto.node("Custom", ["x"], ["y"], name: "n", domain: "d", attributes: attributes)])
        let a = try Proto.load(m).graph.nodes[0].attributes
        let subgraph = Graph(name: "body", nodes: [Node(name: "Identity_0", opType: "Identity", inputs: ["x"], outputs: ["out"])],
                             outputs: [ValueInfo(name: "out", type: ValueType(.float32, nil))], opsetImports: ["": 17])
        XCTAssertEqual(a["f"], .float(0.5))
        XCTAssertEqual(a["i"], .int(-7))
        XCTAssertEqual(a["s"], .string("hi"))
        XCTAssertEqual(a["t"], .tensor(Tensor(f32: [1, 2], shape: [2])))
        XCTAssertEqual(a["g"], .graph(subgraph))
        XCTAssertEqual(a["fs"], .floats([1, 2]))
        XCTAssertEqual(a["is"], .ints([3, -4]))
        XCTAssertEqual(a["ss"], .strings(["a", "b"]))
        XCTAssertEqual(a["ts"], .tensors([Tensor(f32: [3], shape: [1])]))
        XCTAssertEqual(a["gs"], .graphs([subgraph, subgraph]))
        XCTAssertEqual(a["tp"], .type(ValueType(.int64, ["N"])))
        XCTAssertEqual(a["tps"], .types([ValueType(.int64, ["N"])]))
        XCTAssertEqual(a["legacy"], .int(9))
        XCTAssertEqual(a["empty_ints"], .ints([]))
    }

    func testConstantNodeValueForms() throws {
        var sparse = Onnx_SparseTensorProto()
        sparse.values = Proto.floats("", [4], dims: [1])
        sparse.indices = Proto.tensor("", typeCode: 7, dims: [1]) { $0.int64Data = [2] }
        sparse.dims = [3]
        let nodes = [
            Proto.node("Constant", [], ["c0"], attributes: [Proto.attribute("value") {
                $0.type = .tensor; $0.t = Proto.tensor("c", typeCode: 7, dims: [2]) { $0.int64Data = [1, 2] }
            }]),
            Proto.node("Constant", [], ["c1"], attributes: [Proto.attribute("value_float") { $0.type = .float; $0.f = 2 }]),
            Proto.node("Constant", [], ["c2"], attributes: [Proto.attribute("sparse_value") {
                $0.type = .sparseTensor; $0.sparseTensor = sparse
            }]),
        ]
        let g = try Proto.load(Proto.model(nodes: nodes)).graph
        XCTAssertEqual(try g.nodes[0].tensor("value"), Tensor([Int64(1), 2], shape: [2]))
        XCTAssertEqual(try g.nodes[1].float("value_float"), 2)
        XCTAssertEqual(try g.nodes[2].tensor("sparse_value"), Tensor(f32: [0, 0, 4], shape: [3]))
    }

    func testSubgraphUnknownDimsAndSymbolsAreUnique() throws {
        var body = Onnx_GraphProto()
        body.output = [Proto.valueInfo("o", .float32, [Proto.unknownDim])]
        let ifNode = Proto.node("If", ["c"], ["y"], name: "if", attributes: [
            Proto.attribute("then_branch") { $0.type = .graph; $0.g = body },
            Proto.attribute("else_branch") { $0.type = .graph; $0.g = body },
        ])
        var m = Proto.model(nodes: [ifNode])
        m.graph.input = [Proto.valueInfo("c", .bool, [Proto.unknownDim])]
        let node = try Proto.load(m).graph.nodes[0]
        guard case .graph(let then)? = node.attributes["then_branch"],
              case .graph(let other)? = node.attributes["else_branch"] else { return XCTFail("no subgraphs") }
        let symbols = [then.outputs[0].type?.shape?.symbols, other.outputs[0].type?.shape?.symbols]
        XCTAssertEqual(Set(symbols.compactMap { $0?.first }).count, 2)
    }

    func testModelLocalFunctionCallIsUnsupported() throws {
        var function = Onnx_FunctionProto()
        function.name = "MyGelu"
        function.domain = "local"
        var m = Proto.model(nodes: [Proto.node("MyGelu", ["x"], ["y"], name: "g", domain: "local")])
        m.functions = [function]
        assertONNXError(try Proto.load(m)) {
            if case .unsupported(_, "g", _) = $0 { return true } else { return false }
        }
    }

    func testAttributeErrors() throws {
        let noValue = Proto.node("Relu", ["x"], ["y"], name: "r", attributes: [Proto.attribute("alpha") { _ in }])
        assertONNXError(try Proto.load(Proto.model(nodes: [noValue]))) {
            if case .invalidAttribute(_, "r", "alpha", _) = $0 { return true } else { return false }
        }
        var seq = Onnx_TypeProto()
        seq.sequenceType.elemType.tensorType.elemType = 1
        let seqType = Proto.node("Relu", ["x"], ["y"], name: "r", attributes: [
            Proto.attribute("T") { $0.type = .typeProto; $0.tp = seq },
        ])
        assertONNXError(try Proto.load(Proto.model(nodes: [seqType]))) {
            if case .invalidAttribute(_, "r", "T", _) = $0 { return true } else { return false }
        }
    }
}
