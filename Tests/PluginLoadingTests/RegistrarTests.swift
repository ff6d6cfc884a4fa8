import IR
import Passes
import Plan
import Plugins
import XCTest

/// A plugin for the registrar tests (`com.test::Twice`: `y = 2x`).
final class TwicePlugin: Plugin {
    static let name = "Twice"
    static let version = 3
    static let domain = "com.test"
    init(attributes: [String: Attribute]) throws {}
    var attributes: [String: Attribute] { [:] }
    func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] { [inputs[0]!] }
    func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: Self.qualifiedName)
        for i in 0..<x.count { call.outputs[0].floats[i] = 2 * x.floats[i] }
    }
}

/// A plugin whose name collides with the built-in `com.workbench::LayerNorm`.
final class ImpostorLayerNorm: Plugin {
    static let name = "LayerNorm"
    static let version = 1
    init(attributes: [String: Attribute]) throws {}
    var attributes: [String: Attribute] { [:] }
    func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] { [] }
    func enqueue(_ call: PluginCall) throws {}
}

/// A pass that rewrites nothing, under a chosen name.
struct NamedPass: GraphPass {
    let name: String
    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int { 0 }
}

struct RegistrationRefused: Error, CustomStringConvertible {
    var description: String { "no licence for this machine" }
}

/// The registration protocol in-process: the same entry-point body a plugin
/// library runs, called through ``PluginLoader/register(_:file:plugins:passes:)``.
final class RegistrarTests: XCTestCase {
    var plugins = PluginRegistry(registeringBuiltins: true)
    var passes = PassRegistry()

    override func setUp() {
        plugins = PluginRegistry(registeringBuiltins: true)
        passes = PassRegistry()
    }

    func load(_ entry: PluginLoader.EntryPoint) throws -> [String] {
        try PluginLoader.register(entry, file: "libTest.so", plugins: plugins, passes: passes)
    }

    func loadError(_ entry: PluginLoader.EntryPoint, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try load(entry)
            XCTFail("registration succeeded", file: file, line: line)
            return ""
        } catch {
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("--plugins libTest.so: "), text, file: file, line: line)
            XCTAssertFalse(text.contains("\n"), text, file: file, line: line)
            return text
        }
    }

    func testABIMatchesThePlanFormatAndRelease() {
        XCTAssertEqual(PluginABI.current.release, PlanFormat.workbenchRelease)
        XCTAssertEqual(PluginABI.current.planFormat, Int(PlanFormat.version))
        XCTAssertEqual(PluginABI.host, PluginABI.current)
    }

    func testRegistersPluginsAndPassesInPlace() throws {
        let lines = try load { raw in
            PluginRegistrar.register(raw) { r in
                try r.add(TwicePlugin.self)
                try r.add(NamedPass(name: "Twice"), placement: .before("Swish"))
            }
        }
        XCTAssertEqual(lines, ["plugin com.test::Twice@3", "pass Twice (before Swish)"])
        XCTAssertTrue(plugins.type(domain: "com.test", name: "Twice") == TwicePlugin.self)
        XCTAssertEqual(plugins.source(domain: "com.test", name: "Twice"), "libTest.so")
        let order = passes.fusionOrder
        XCTAssertEqual(order.firstIndex(of: "Twice").map { $0 + 1 }, order.firstIndex(of: "Swish"))
        let y = try plugins.create(domain: "com.test", name: "Twice", version: 3, attributes: [:]).run([Tensor([1, -2] as [Float], shape: [2])])
        XCTAssertEqual(y[0].floats, [2, -4])
    }

    func testVersionMismatchIsRefusedBeforeRegistering() {
        let text = loadError { raw in
            PluginRegistrar.register(raw, abi: PluginABI(release: "0.0.9", planFormat: 1, revision: 1)) { r in
                try r.add(TwicePlugin.self)
            }
        }
        XCTAssertTrue(text.contains("built against workbench 0.0.9"), text)
        XCTAssertTrue(text.contains("this is workbench \(PlanFormat.workbenchRelease)"), text)
        XCTAssertNil(plugins.type(domain: "com.test", name: "Twice"))
    }

    func testThrowingRegistrationRegistersNothing() {
        let text = loadError { raw in
            PluginRegistrar.register(raw) { r in
                try r.add(TwicePlugin.self)
                try r.add(NamedPass(name: "Twice"))
                throw RegistrationRefused()
            }
        }
        XCTAssertEqual(text, "--plugins libTest.so: registration failed: no licence for this machine")
        XCTAssertNil(plugins.type(domain: "com.test", name: "Twice"))
        XCTAssertTrue(passes.entries.isEmpty)
    }

    func testDuplicatesNameWhoRegisteredFirst() throws {
        var text = loadError { raw in PluginRegistrar.register(raw) { r in try r.add(ImpostorLayerNorm.self) } }
        XCTAssertEqual(text, "--plugins libTest.so: plugin com.workbench::LayerNorm is already registered (by built-in)")
        text = loadError { raw in PluginRegistrar.register(raw) { r in try r.add(NamedPass(name: "Swish")) } }
        XCTAssertEqual(text, "--plugins libTest.so: pass Swish is already registered (by built-in)")
        text = loadError { raw in
            PluginRegistrar.register(raw) { r in try r.add(TwicePlugin.self); try r.add(TwicePlugin.self) }
        }
        XCTAssertTrue(text.contains("plugin com.test::Twice is already registered (by libTest.so)"), text)
        _ = try load { raw in PluginRegistrar.register(raw) { r in try r.add(TwicePlugin.self) } }
        do {
            _ = try PluginLoader.register({ raw in PluginRegistrar.register(raw) { r in try r.add(TwicePlugin.self) } },
                                          file: "libOther.so", plugins: plugins, passes: passes)
            XCTFail("second registration succeeded")
        } catch {
            XCTAssertEqual("\(error)", "--plugins libOther.so: plugin com.test::Twice is already registered (by libTest.so)")
        }
    }

    func testPassAnchorMustExist() {
        let text = loadError { raw in
            PluginRegistrar.register(raw) { r in try r.add(NamedPass(name: "Mine"), placement: .after("NoSuchFusion")) }
        }
        XCTAssertTrue(text.contains("pass Mine is placed after NoSuchFusion, but there is no fusion 'NoSuchFusion'"), text)
    }

    func testALibraryWithItsOwnCopyOfTheModulesIsRefused() {
        // What a library carrying its own PluginRegistrar type passes as its identity.
        let text = loadError { raw in
            guard let raw else { return 2 }
            return PluginRegistrar.enter(raw, abi: .current, identity: ObjectIdentifier(Int.self)) { r in
                try r.add(TwicePlugin.self)
            }
        }
        XCTAssertTrue(text.contains("its own copy of the Plugin protocol; link the WorkbenchPlugins product dynamically"), text)
        XCTAssertNil(plugins.type(domain: "com.test", name: "Twice"))
    }

    func testEntryPointFailureWithoutARegistrarError() {
        let text = loadError { _ in 7 }
        XCTAssertEqual(text, "--plugins libTest.so: registration failed: the entry point returned 7")
    }

    func testFileErrors() throws {
        XCTAssertEqual("\(try XCTUnwrap(error { try PluginLoader.load("/no/such/libX.so", plugins: self.plugins) }))",
                       "--plugins /no/such/libX.so: no such file")
        let text = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-library-\(UUID().uuidString).so")
        try Data("hello".utf8).write(to: text)
        defer { try? FileManager.default.removeItem(at: text) }
        let message = "\(try XCTUnwrap(error { try PluginLoader.load(text.path, plugins: self.plugins) }))"
        XCTAssertTrue(message.hasPrefix("--plugins \(text.path): cannot load the library: "), message)
    }

    func testUserPassRunsInTheSurgeonBeforeTheBuiltinOne() throws {
        // Sigmoid·Mul: a registered pass placed before Swish claims it with its own plugin.
        _ = try load { raw in
            PluginRegistrar.register(raw) { r in
                try r.add(TwicePlugin.self)
                try r.add(ClaimSwish(), placement: .before("Swish"))
            }
        }
        let graph = Graph(name: "swish",
                          nodes: [Node(name: "s", opType: "Sigmoid", inputs: ["x"], outputs: ["g"]),
                                  Node(name: "m", opType: "Mul", inputs: ["x", "g"], outputs: ["y"])],
                          inputs: [ValueInfo(name: "x", type: ValueType(.float32, Shape([2, 3])))],
                          outputs: [ValueInfo(name: "y", type: nil)], opsetImports: ["": 17])
        let (out, report) = try Surgeon.run(graph, options: SurgeonOptions(plugins: plugins, passes: passes))
        XCTAssertEqual(out.nodes.map(\.opType), ["Twice"])
        XCTAssertEqual(report.matches("ClaimSwish"), 1)
        XCTAssertEqual(report.matches("Swish"), 0)
    }

    private func error(_ body: () throws -> Any) -> Error? {
        do { _ = try body(); return nil } catch { return error }
    }
}

/// Replaces `Mul(x, Sigmoid(x))` with a `com.test::Twice` node (only the shape matters here).
struct ClaimSwish: GraphPass {
    let name = "ClaimSwish"
    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.isRegistered(TwicePlugin.self) else { return 0 }
        return editor.replaceAll(.op("Mul", .any("x"), .op("Sigmoid", .any("x")))) { e, m in
            [e.node(for: TwicePlugin.self, replacing: m, inputs: [m["x"]], outputs: e.outputs(of: m))]
        }
    }
}
