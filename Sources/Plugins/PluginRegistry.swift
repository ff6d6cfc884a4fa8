import Foundation
import IR

/// Plugins by (domain, name): what the engine consults to rebuild a plan's
/// layers and what the surgeon consults to know which fused ops exist.
///
/// Thread-safe; the process-wide ``shared`` registry starts with the built-in
/// plugins, and `--plugins lib.so` adds user plugins to it.
public final class PluginRegistry: @unchecked Sendable {
    public static let shared = PluginRegistry(registeringBuiltins: true)

    private let lock = NSLock()
    private var types: [String: any Plugin.Type] = [:]
    private var sources: [String: String] = [:]

    public init(registeringBuiltins: Bool = false) {
        if registeringBuiltins { for t in BuiltinPlugins.all { register(t) } }
    }

    private static func key(_ domain: String, _ name: String) -> String { "\(domain)::\(name)" }

    /// Registers (or replaces) a plugin type under its domain and name;
    /// `source` says where it came from (`built-in`, or the `--plugins` library).
    public func register(_ type: any Plugin.Type, source: String = "built-in") {
        lock.lock(); defer { lock.unlock() }
        types[Self.key(type.domain, type.name)] = type
        sources[Self.key(type.domain, type.name)] = source
    }

    /// Where the plugin registered under this domain and name came from.
    public func source(domain: String, name: String) -> String? {
        lock.lock(); defer { lock.unlock() }
        return sources[Self.key(domain, name)]
    }

    /// The registered type for a node's domain and op type, if any.
    public func type(domain: String, name: String) -> (any Plugin.Type)? {
        lock.lock(); defer { lock.unlock() }
        return types[Self.key(domain, name)]
    }

    /// Creates the plugin for a node, checking the version when one is required.
    public func create(domain: String, name: String, version: Int? = nil,
                       attributes: [String: Attribute]) throws -> any Plugin {
        guard let t = type(domain: domain, name: name) else {
            throw PluginError.notRegistered(name: name, domain: domain, version: version)
        }
        if let v = version, v != t.version {
            throw PluginError.versionMismatch(name: name, registered: t.version, requested: v)
        }
        return try t.init(attributes: attributes)
    }

    /// Every registered plugin type, sorted by qualified name.
    public var all: [any Plugin.Type] {
        lock.lock(); defer { lock.unlock() }
        return types.values.sorted { $0.qualifiedName < $1.qualifiedName }
    }
}

extension PluginRegistry {
    /// A resolver for ``ReferenceExecutor``'s custom kernels: a node whose
    /// (domain, op type) is registered runs through its plugin's kernel on
    /// tensors (``Plugin/run(_:tactic:threads:)``). The plugin is created once per node.
    public func referenceKernel(for node: Node) -> ((Node, [Tensor?]) throws -> [Tensor])? {
        guard type(domain: node.domain, name: node.opType) != nil else { return nil }
        let plugin = Result { try self.create(domain: node.domain, name: node.opType, attributes: node.attributes) }
        return { _, inputs in try plugin.get().run(inputs) }
    }
}
