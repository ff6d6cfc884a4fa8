import Foundation
import IR
import ONNX
import Passes
import Plugins
import Reference
import XCTest
import _TestSupport

/// Runs graphs before and after a pass on the same inputs through the reference executor.
enum PassTest {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Loads a committed fixture model (`generated/wenet-tiny.onnx`).
    static func load(_ path: String) throws -> Graph {
        try ONNXImporter().load(contentsOf: fixtures.appendingPathComponent(path)).graph
    }

    /// Runs `graph` on `feeds` with plugin nodes through the shared registry.
    static func run(_ graph: Graph, _ feeds: [String: Tensor]) throws -> [String: Tensor] {
        let registry = PluginRegistry.shared
        return try ReferenceExecutor(graph: graph, customKernels: registry.referenceKernel(for:)).run(feeds)
    }

    /// Seeded float inputs for every runtime input with a static shape.
    static func randomFeeds(_ graph: Graph, seed: UInt64 = 7) -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        for (k, i) in graph.runtimeInputs.enumerated() {
            guard let sizes = i.type?.shape?.staticSizes else { continue }
            feeds[i.name] = TestTensors.uniform(sizes, seed: seed + UInt64(k))
        }
        return feeds
    }

    /// Checks every output of `after` equals `before`'s within `rtol` (relative, with a small absolute floor).
    static func assertSameOutputs(_ before: Graph, _ after: Graph, _ feeds: [String: Tensor], rtol: Float = 1e-5,
                                  atol: Float = 1e-5, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try run(before, feeds), b = try run(after, feeds)
        for o in before.outputs {
            let x = try XCTUnwrap(a[o.name], file: file, line: line)
            let y = try XCTUnwrap(b[o.name], "output \(o.name) missing after", file: file, line: line)
            XCTAssertTrue(Closeness.allClose(y, x, rtol: rtol, atol: atol),
                          "\(o.name): max diff \(Closeness.maxAbsoluteDifference(x, y))", file: file, line: line)
        }
    }

    /// Counts nodes of `opType` (in `domain`).
    static func count(_ g: Graph, _ opType: String, domain: String = "") -> Int {
        g.nodes.filter { $0.opType == opType && $0.domain == domain }.count
    }
}

/// Builds small test graphs node by node: `let y = b.op("Add", [x, c])`.
struct TinyGraph {
    var graph: Graph
    private var counter = 0

    init(opset: Int = 17) { graph = Graph(name: "test", opsetImports: ["": opset]) }

    /// Adds a float32 graph input.
    mutating func input(_ name: String, _ shape: Shape, _ type: DataType = .float32) -> String {
        graph.inputs.append(ValueInfo(name: name, type: ValueType(type, shape)))
        return name
    }

    /// Adds an initializer.
    mutating func constant(_ t: Tensor, _ hint: String = "c") -> String {
        counter += 1
        let name = "\(hint)\(counter)"
        graph.initializers[name] = t
        return name
    }

    mutating func scalar(_ v: Float) -> String { constant(Tensor(scalar: v), "s") }

    /// Adds a random float32 initializer of `shape`.
    mutating func weight(_ shape: [Int], seed: UInt64) -> String {
        constant(TestTensors.uniform(shape, seed: seed), "w")
    }

    /// Adds a node; returns its first output.
    @discardableResult
    mutating func op(_ type: String, _ inputs: [String], _ attributes: [String: Attribute] = [:], outputs: Int = 1) -> String {
        counter += 1
        let outs = (0..<outputs).map { "\(type.lowercased())\(counter)_\($0)" }
        graph.nodes.append(Node(name: "\(type)_\(counter)", opType: type, inputs: inputs, outputs: outs, attributes: attributes))
        return outs[0]
    }

    /// Marks values as graph outputs.
    mutating func output(_ names: String...) {
        for n in names { graph.outputs.append(ValueInfo(name: n, type: nil)) }
    }
}
