import IR
import Plugins

/// Read-only bytes of the engine's weights, by value index. At run time they
/// point into the mapped plan; at build time into buffers the builder owns.
public protocol WeightStore: Sendable {
    /// The bytes of weight value `value` (valid while the store lives).
    func pointer(for value: Int) -> UnsafeRawPointer?
}

/// A manifest made executable: one plugin per layer, the shape expressions
/// parsed, weights reachable. Shared by the builder (to size and time
/// layers) and by ``Engine`` (to run them); immutable, so any number of
/// execution contexts may use it at once.
public final class EngineProgram: Sendable {
    public let manifest: EngineManifest
    /// The plugin of each layer, in layer order.
    public let plugins: [any Plugin]
    /// Parsed shape expressions per value (nil when unknown before `setInputShapes`).
    let expressions: [[DimExpr]?]
    /// Element types per value.
    public let dataTypes: [DataType]
    /// Weights that shape-stage layers or shape inference read as tensors (copies).
    let weightTensors: [Int: Tensor]
    public let weights: any WeightStore
    /// The file name used in errors.
    public let file: String

    /// Recreates every layer's plugin through `registry`; throws naming the
    /// layer for an unregistered plugin or a malformed manifest.
    public init(manifest: EngineManifest, weights: any WeightStore, registry: PluginRegistry = .shared,
                file: String) throws {
        LayerCatalog.register(in: registry)
        self.manifest = manifest
        self.weights = weights
        self.file = file
        func malformed(_ reason: String) -> RuntimeError { .malformedManifest(file: file, reason: reason) }
        var types: [DataType] = []
        for v in manifest.values {
            guard let t = DataType(name: v.dataType), t != .string else { throw malformed("value '\(v.name)' has dtype '\(v.dataType)'") }
            types.append(t)
        }
        dataTypes = types
        expressions = manifest.values.map { v in v.shape.map { $0.map { DimExpr(Dim.symbol($0)) } } }
        var plugins: [any Plugin] = []
        var needed = Set<Int>()
        for layer in manifest.layers {
            let all = layer.inputs + layer.outputs
            guard all.allSatisfy({ $0 >= -1 && $0 < manifest.values.count }),
                  layer.tactics.count == manifest.profiles.count else {
                throw malformed("layer '\(layer.name)' refers to a value or profile that does not exist")
            }
            guard registry.type(domain: layer.domain, name: layer.plugin) != nil else {
                let qualified = (layer.domain == workbenchDomain ? "" : layer.domain + "::") + "\(layer.plugin)@\(layer.version)"
                throw RuntimeError.unregisteredPlugin(file: file, layer: layer.name, plugin: qualified)
            }
            do {
                let attributes = try ManifestAttribute.decode(layer.attributes)
                plugins.append(try registry.create(domain: layer.domain, name: layer.plugin, version: layer.version,
                                                   attributes: attributes))
            } catch {
                throw RuntimeError.pluginCreation(file: file, layer: layer.name, reason: "\(error)")
            }
            if layer.stage == "shape" {
                for i in layer.inputs where i >= 0 && manifest.values[i].storage == .weight { needed.insert(i) }
            }
        }
        self.plugins = plugins
        // Small weights too: shape inference reads axes, pads and shape inputs.
        for (i, v) in manifest.values.enumerated() where v.storage == .weight {
            if let shape = try? Self.staticShape(v), Shapes.count(shape) <= Self.smallWeightLimit { needed.insert(i) }
        }
        var tensors: [Int: Tensor] = [:]
        for i in needed {
            guard let p = weights.pointer(for: i), let shape = try? Self.staticShape(manifest.values[i]) else {
                throw malformed("weight '\(manifest.values[i].name)' has no bytes or no static shape")
            }
            tensors[i] = try TensorBytes.read(p, dataType: types[i], shape: shape)
        }
        weightTensors = tensors
        for io in manifest.inputs + manifest.outputs where !(0..<manifest.values.count).contains(io.value) {
            throw malformed("I/O '\(io.name)' refers to value \(io.value)")
        }
    }

    /// Weights up to this many elements are also kept as tensors.
    static let smallWeightLimit = 4096

    /// The static shape of a value whose shape expressions are all numbers.
    static func staticShape(_ v: ManifestValue) throws -> [Int] {
        guard let dims = v.shape else { throw RuntimeError.unresolvedShape(value: v.name, layer: "-", reason: "no shape") }
        return try dims.map { d in
            guard let n = Int(d) else { throw RuntimeError.unresolvedShape(value: v.name, layer: "-", reason: "'\(d)' is not static") }
            return n
        }
    }
}
