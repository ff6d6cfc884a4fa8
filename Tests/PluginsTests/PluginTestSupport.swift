import IR
import Kernels
import Plugins
import Reference
import XCTest
import _TestSupport

/// Runs a plugin and the unfused subgraph it replaces on the same inputs.
enum PluginCheck {
    /// Runs `graph` (standard ops only) with the reference executor and returns output `name`.
    static func reference(_ graph: Graph, _ feeds: [String: Tensor], output: String? = nil) throws -> Tensor {
        let out = try ReferenceExecutor(graph: graph).run(feeds)
        return try XCTUnwrap(out[output ?? graph.outputs[0].name])
    }

    /// Asserts `actual` is within 1e-5 relative (1e-5 absolute floor) of `expected`.
    static func assertClose(_ actual: Tensor, _ expected: Tensor, _ what: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(Closeness.allClose(actual, expected, rtol: 1e-5, atol: 1e-5),
                      "\(what): max diff \(Closeness.maxAbsoluteDifference(actual, expected))", file: file, line: line)
    }

    /// A one-graph builder for the unfused subgraphs.
    static func graph(_ nodes: [Node], inputs: [String], outputs: [String], initializers: [String: Tensor] = [:],
                      opset: Int = 17) -> Graph {
        Graph(nodes: nodes, inputs: inputs.map { ValueInfo(name: $0, type: nil) },
              outputs: outputs.map { ValueInfo(name: $0, type: nil) }, initializers: initializers, opsetImports: ["": opset])
    }

    static func node(_ op: String, _ inputs: [String], _ output: String, _ attributes: [String: Attribute] = [:]) -> Node {
        Node(name: output, opType: op, inputs: inputs, outputs: [output], attributes: attributes)
    }
}
