import Builder
import Foundation
import IR
import Plan
import Plugins
import Runtime
import XCTest

/// A plugin only some registries know: `Y = X · scale`.
final class TestScalePlugin: Plugin {
    static let name = "TestScale"
    static let version = 1
    static let domain = "com.test"
    let scale: Float
    init(attributes: [String: Attribute]) throws {
        guard case .float(let s)? = attributes["scale"] else {
            throw PluginError.invalidAttribute(plugin: Self.name, attribute: "scale", reason: "missing")
        }
        scale = s
    }
    var attributes: [String: Attribute] { ["scale": .float(scale)] }
    func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        guard let t = inputs.first ?? nil else { throw PluginError.invalidInputs(plugin: Self.name, reason: "no input") }
        return [t]
    }
    /// An optional constant bias `[n]` is packed as `[1, n]`; enqueue only accepts the packed layout.
    func pack(constant: Tensor, input: Int) throws -> Tensor? {
        input == 1 ? constant.reshaped([1, constant.count]) : nil
    }
    func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: Self.name), y = call.outputs[0]
        let bias = call.inputs.count > 1 ? call.inputs[1] : nil
        if let bias, bias.shape.count != 2 {
            throw PluginError.invalidInputs(plugin: Self.name, reason: "bias was not packed: \(bias.shape)")
        }
        let n = x.shape.last ?? 1
        for i in 0..<x.count { y.floats[i] = x.floats[i] * scale + (bias.map { $0.floats[i % n] } ?? 0) }
    }
}

/// Loading damaged, foreign, future or incompatible plans fails with an error naming the problem.
final class BadPlanTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("engine-badplan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A small plan: the tiny WeNet fixture with one profile.
    private func goodPlan() throws -> URL {
        let graph = try Fixtures.graph("generated/wenet-tiny.onnx")
        let config = Fixtures.config([Fixtures.profile(graph, ["B": (1, 1, 2), "T": (16, 16, 32)])])
        let url = directory.appendingPathComponent("good.plan")
        try Builder(config).build(graph).write(to: url)
        return url
    }

    private func damaged(_ name: String, _ edit: (inout Data) -> Void) throws -> URL {
        var data = try Data(contentsOf: try goodPlan())
        edit(&data)
        let url = directory.appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    private func assertLoadFails(_ url: URL, registry: PluginRegistry = .shared, mentioning words: [String],
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Engine(contentsOf: url, registry: registry), file: file, line: line) { error in
            let text = "\(error)"
            for w in words { XCTAssertTrue(text.contains(w), "'\(text)' should mention '\(w)'", file: file, line: line) }
        }
    }

    func testGoodPlanLoadsAndRuns() throws {
        let engine = try Engine(contentsOf: try goodPlan())
        XCTAssertEqual(engine.inputNames, ["speech", "speech_lengths"])
        let out = try engine.makeContext().run(try Fixtures.inputs(try Fixtures.graph("generated/wenet-tiny.onnx"), ["B": 1, "T": 20]))
        XCTAssertEqual(out["encoder_out"]?.shape, [1, 4, 32])
    }

    func testTruncatedPlan() throws {
        let url = try damaged("truncated.plan") { $0 = $0.prefix($0.count - 100) }
        assertLoadFails(url, mentioning: ["truncated.plan", "truncated"])
    }

    func testCorruptedPlan() throws {
        let url = try damaged("corrupt.plan") { $0[$0.count - 10] ^= 0xFF }
        assertLoadFails(url, mentioning: ["corrupt.plan", "checksum"])
    }

    func testFutureVersionPlan() throws {
        let url = try damaged("future.plan") { $0[12] = 9 }
        assertLoadFails(url, mentioning: ["future.plan", "version 9", "newer"])
    }

    func testForeignFile() throws {
        let url = directory.appendingPathComponent("model.plan")
        try Data(contentsOf: Fixtures.root.appendingPathComponent("generated/wenet-tiny.onnx")).write(to: url)
        assertLoadFails(url, mentioning: ["model.plan", "not a workbench plan"])
    }

    func testManifestSchemaMismatch() throws {
        var writer = PlanWriter()
        try writer.setManifest(Data(#"{"schema": "workbench.engine/99"}"#.utf8))
        let url = directory.appendingPathComponent("schema.plan")
        try writer.write(to: url)
        assertLoadFails(url, mentioning: ["schema.plan", "workbench.engine/99", EngineManifest.currentSchema])
    }

    func testManifestMissingFields() throws {
        var writer = PlanWriter()
        try writer.setManifest(Data(#"{"schema": "\#(EngineManifest.currentSchema)", "layers": []}"#.utf8))
        let url = directory.appendingPathComponent("partial.plan")
        try writer.write(to: url)
        assertLoadFails(url, mentioning: ["partial.plan", "missing key"])
    }

    /// A plugin's packed constant goes into the plan and reaches its kernel from the mapped file.
    func testPackedWeightsReachTheKernel() throws {
        let registry = PluginRegistry(registeringBuiltins: true)
        registry.register(TestScalePlugin.self)
        let graph = Graph(name: "packed",
            nodes: [Node(name: "scale0", opType: "TestScale", domain: "com.test", inputs: ["x", "b"], outputs: ["y"],
                         attributes: ["scale": .float(3)])],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, Shape(["N", 2])))],
            outputs: [ValueInfo(name: "y", type: nil)],
            initializers: ["b": Tensor([Float]([10, 20]), shape: [2])], opsetImports: ["": 17, "com.test": 1])
        var profile = OptimizationProfile()
        profile.setDimensions("x", min: [1, 2], opt: [1, 2], max: [2, 2])
        let url = directory.appendingPathComponent("packed.plan")
        try Builder(Fixtures.config([profile]), registry: registry).build(graph).write(to: url)
        let plan = try PlanFile(contentsOf: url)
        XCTAssertEqual(plan.sectionNames.count, 1, "only the packed bias is stored: \(plan.sectionNames)")
        XCTAssertTrue(plan.sectionNames[0].hasSuffix("b#packed.scale0"), "\(plan.sectionNames)")
        XCTAssertEqual(plan.sections[0].shape, [1, 2])
        let out = try Engine(contentsOf: url, registry: registry).makeContext()
            .run(["x": Tensor([Float]([1, 2, 3, 4]), shape: [2, 2])])
        XCTAssertEqual(out["y"]?.floats, [13, 26, 19, 32])
    }

    func testUnregisteredPlugin() throws {
        let registry = PluginRegistry(registeringBuiltins: true)
        registry.register(TestScalePlugin.self)
        let graph = Graph(name: "scaled",
            nodes: [Node(name: "scale0", opType: "TestScale", domain: "com.test", inputs: ["x"], outputs: ["y"],
                         attributes: ["scale": .float(2)]),
                    Node(name: "relu0", opType: "Relu", inputs: ["y"], outputs: ["z"])],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, Shape(["N", 4])))],
            outputs: [ValueInfo(name: "z", type: nil)], opsetImports: ["": 17, "com.test": 1])
        var profile = OptimizationProfile()
        profile.setDimensions("x", min: [1, 4], opt: [2, 4], max: [3, 4])
        let url = directory.appendingPathComponent("custom.plan")
        try Builder(Fixtures.config([profile]), registry: registry).build(graph).write(to: url)
        // With the plugin registered the plan runs; without it loading names the plugin and --plugins.
        let out = try Engine(contentsOf: url, registry: registry).makeContext()
            .run(["x": Tensor([Float]([1, -2, 3, -4, 5, 6, 7, 8]), shape: [2, 4])])
        XCTAssertEqual(out["z"]?.floats, [2, 0, 6, 0, 10, 12, 14, 16])
        assertLoadFails(url, registry: PluginRegistry(registeringBuiltins: true),
                        mentioning: ["custom.plan", "scale0", "com.test::TestScale@1", "--plugins"])
    }
}
