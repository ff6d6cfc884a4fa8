import Foundation
import IR
import Passes
import Plugins
import XCTest

/// Loads the example library into this test process. The test binary links
/// the `workbench` target, whose `--export-dynamic` linker setting it
/// inherits, so, like the `workbench` binary, it lends the library its copy
/// of the plugin modules: the library's types conform to this process's
/// `Plugin`, and its registrar is this process's class.
final class InProcessLoadingTests: XCTestCase {
    func testLoadedTypesShareThisProcesssProtocolAndRegistries() throws {
        let library = try ExamplePackage.library("libSwishPlugin.so")
        let plugins = PluginRegistry(registeringBuiltins: true), passes = PassRegistry()
        let lines = try PluginLoader.load(library, plugins: plugins, passes: passes)
        XCTAssertEqual(lines, ["plugin com.example::FastSwish@1", "pass FastSwish (before Swish)"])
        XCTAssertTrue(PluginRegistry.shared.type(domain: "com.example", name: "FastSwish") == nil)

        // Casts through the runtime's conformance lookup find this process's Plugin.
        let loaded = try XCTUnwrap(plugins.type(domain: "com.example", name: "FastSwish"))
        let erased: Any.Type = loaded
        XCTAssertNotNil(erased as? any Plugin.Type)
        let plugin = try plugins.create(domain: "com.example", name: "FastSwish", version: 1, attributes: [:])
        XCTAssertNotNil((plugin as AnyObject) as? any Plugin)
        XCTAssertEqual(plugin.tactics(inputShapes: [[3]]), ["swish.simd8"])

        // Its SIMD kernel, tail included (8k + 5 elements), against x·σ(x) in double precision.
        let xs = (0..<37).map { Float($0) * 0.73 - 13.1 } + [-90, 90, 0, -0.0]
        let y = try XCTUnwrap(plugin.run([Tensor(xs, shape: [xs.count])])[0].floats)
        for (x, v) in zip(xs, y) {
            let want = Double(x) / (1 + Foundation.exp(-Double(x)))
            XCTAssertEqual(Double(v), want, accuracy: 1e-6 * max(1, abs(want)), "x = \(x)")
        }
        // A plugin error thrown by the library's code is this process's PluginError.
        XCTAssertThrowsError(try plugins.create(domain: "com.example", name: "FastSwish", attributes: ["alpha": .float(1)])) {
            XCTAssertTrue($0 is PluginError, "\(type(of: $0))")
        }

        // Its pass runs in the surgeon ahead of the built-in Swish.
        XCTAssertEqual(passes.fusionOrder.firstIndex(of: "FastSwish").map { $0 + 1 }, passes.fusionOrder.firstIndex(of: "Swish"))
        let graph = Graph(name: "swish",
                          nodes: [Node(name: "s", opType: "Sigmoid", inputs: ["x"], outputs: ["g"]),
                                  Node(name: "m", opType: "Mul", inputs: ["g", "x"], outputs: ["y"])],
                          inputs: [ValueInfo(name: "x", type: ValueType(.float32, Shape([2, 3])))],
                          outputs: [ValueInfo(name: "y", type: nil)], opsetImports: ["": 17])
        let (out, _) = try Surgeon.run(graph, options: SurgeonOptions(plugins: plugins, passes: passes))
        XCTAssertEqual(out.nodes.map { "\($0.domain)::\($0.opType)" }, ["com.example::FastSwish"])
    }
}
