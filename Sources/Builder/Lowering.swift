import Foundation
import IR
import Plugins
import Reference
import Runtime

/// A graph lowered to the engine's values and layers: every node becomes a
/// layer running through one interface, the ``Plugin`` protocol.
///
/// - Nodes whose inputs are all constants fold here (constants fold at build).
/// - Nodes that depend only on input *shapes* (`Shape`, and anything computed
///   from shapes and constants) become shape-stage layers: they run once per
///   `setInputShapes`, never per inference.
/// - Other standard nodes get an engine kernel (``LayerCatalog``), plugin
///   nodes their registered plugin; constant inputs become weights, packed by
///   ``Plugin/pack(constant:input:)`` when the plugin wants another layout.
struct Lowering {
    var values: [ManifestValue] = []
    var layers: [ManifestLayer] = []
    /// Weight bytes by value index.
    var weights: [Int: Tensor] = [:]
    var index: [String: Int] = [:]
    /// Symbols of the input shapes (`B`, `T`): the only ones an expression may use.
    var inputSymbols: Set<String> = []
    /// Names of layers that fell back to ``ReferenceLayer`` in the run stage.
    var referenceLayers: [String] = []
    var foldedNodes = 0

    private var constants: [String: Tensor] = [:]
    private var shapeTime: Set<String> = []
    private var types: [String: ValueType] = [:]
    private var layerNames: Set<String> = []
    private let registry: PluginRegistry
    private let opset: Int

    init(_ graph: Graph, registry: PluginRegistry) throws {
        self.registry = registry
        opset = graph.opset
        let typed = try ShapeInference.infer(graph)
        for (k, v) in typed.valueInfo { if let t = v.type { types[k] = t } }
        for i in typed.inputs { if let t = i.type { types[i.name] = t } }
        constants = graph.initializers
        for input in graph.runtimeInputs {
            guard let type = input.type, let shape = type.shape else {
                throw BuilderError.lowering(node: input.name, reason: "graph input has no declared type and shape")
            }
            for d in shape.dims { if case .symbol(let s) = d { inputSymbols.formUnion(DimExpr(.symbol(s)).symbolNames) } }
            index[input.name] = values.count
            values.append(ManifestValue(name: input.name, dataType: type.dataType.name, storage: .input,
                                        shape: shape.dims.map(\.description)))
        }
        for node in try graph.topologicalOrder().map({ graph.nodes[$0] }) { try lower(node) }
        for o in graph.outputs { _ = try value(for: o.name, consumer: "graph output") }
    }

    // MARK: Values

    /// The value index of `name`, creating a weight value for a constant.
    private mutating func value(for name: String, consumer: String) throws -> Int {
        if let i = index[name] { return i }
        guard let t = constants[name] else {
            throw BuilderError.lowering(node: consumer, reason: "input '\(name)' has no producer")
        }
        return addWeight(name, t)
    }

    /// Adds a weight value; `register` makes later consumers of `name` share it.
    private mutating func addWeight(_ name: String, _ t: Tensor, register: Bool = true) -> Int {
        let i = values.count
        let section = "w\(i).\(name)".prefix(200)
        values.append(ManifestValue(name: name, dataType: t.dataType.name, storage: .weight,
                                    shape: t.shape.map(String.init), section: String(section)))
        weights[i] = t
        if register { index[name] = i }
        return i
    }

    /// Shape text over the input symbols, or nil when some dim uses another symbol.
    private func expressions(_ shape: Shape?) -> [String]? {
        guard let shape else { return nil }
        for d in shape.dims {
            if case .symbol(let s) = d, !DimExpr(.symbol(s)).symbolNames.isSubset(of: inputSymbols) { return nil }
        }
        return shape.dims.map(\.description)
    }

    private mutating func uniqueName(_ node: Node) -> String {
        var name = node.name.isEmpty ? "\(node.opType)_\(layers.count)" : node.name
        while layerNames.contains(name) { name += "#\(layers.count)" }
        layerNames.insert(name)
        return name
    }

    // MARK: Nodes

    private mutating func lower(_ node: Node) throws {
        let present = node.inputs.filter { !$0.isEmpty }
        if node.op != nil, present.allSatisfy({ constants[$0] != nil }) {
            try fold(node)
            return
        }
        let isShape = node.op == .shape || node.op == .size
        let shapeStage = node.op != nil && (isShape || (present.allSatisfy { constants[$0] != nil || shapeTime.contains($0) }
                                                       && present.contains { shapeTime.contains($0) }))
        let name = uniqueName(node)
        let inputTypes = node.inputs.map { input in
            input.isEmpty ? nil : constants[input].map { ValueType($0.dataType, Shape($0.shape)) } ?? types[input]
        }
        let (plugin, attributes) = try choosePlugin(node, inputTypes: inputTypes, shapeStage: shapeStage)
        if !shapeStage, plugin == ReferenceLayer.self { referenceLayers.append("\(name) (\(node.opType))") }
        let instance = try plugin.init(attributes: attributes)
        var inputIndices: [Int] = []
        for (k, input) in node.inputs.enumerated() {
            if input.isEmpty { inputIndices.append(-1); continue }
            // A constant the kernel wants in another layout is stored packed (and only packed).
            if !shapeStage, index[input] == nil, let t = constants[input], let packed = try instance.pack(constant: t, input: k) {
                inputIndices.append(addWeight("\(input)#packed.\(name)", packed, register: false))
                continue
            }
            inputIndices.append(try value(for: input, consumer: node.label))
        }
        // Types the whole-graph inference left unknown (after plugin nodes): infer this node alone.
        var fallback: [ValueType?] = []
        if node.outputs.contains(where: { types[$0] == nil }) {
            if node.op != nil {
                fallback = try ShapeInference.inferNode(node, inputs: inputTypes,
                                                        constants: node.inputs.map { constants[$0] }, opset: opset)
            } else {
                fallback = try instance.outputTypes(inputTypes)
            }
            for (k, o) in node.outputs.enumerated() where !o.isEmpty && types[o] == nil && k < fallback.count {
                types[o] = fallback[k]
            }
        }
        let pluginTypes = fallback
        var outputIndices: [Int] = []
        for (k, output) in node.outputs.enumerated() {
            // Omitted trailing outputs are not passed; an omitted output before a used one gets a scratch value.
            let trailing = node.outputs[k...].allSatisfy(\.isEmpty)
            if output.isEmpty && (shapeStage || trailing) { outputIndices.append(-1); continue }
            let valueName = output.isEmpty ? "\(name)#out\(k)" : output
            guard let type = types[output] ?? (k < pluginTypes.count ? pluginTypes[k] : nil) else {
                throw BuilderError.lowering(node: node.label, reason: "the element type of output '\(valueName)' cannot be inferred")
            }
            index[valueName] = values.count
            outputIndices.append(values.count)
            values.append(ManifestValue(name: valueName, dataType: type.dataType.name,
                                        storage: shapeStage ? .shapeTime : .activation, shape: expressions(type.shape)))
            if shapeStage { shapeTime.insert(output) }
        }
        layers.append(ManifestLayer(
            name: name, opType: node.opType, plugin: plugin.name, domain: plugin.domain, version: plugin.version,
            attributes: try ManifestAttribute.encode(attributes, owner: name), inputs: inputIndices,
            outputs: outputIndices, stage: shapeStage ? "shape" : "run", tactics: [], tacticMs: []))
    }

    private func choosePlugin(_ node: Node, inputTypes: [ValueType?], shapeStage: Bool) throws
        -> (any Plugin.Type, [String: Attribute]) {
        if node.op != nil {
            let kind: any StandardLayer.Type = shapeStage ? ReferenceLayer.self
                : LayerCatalog.layer(for: node, inputs: inputTypes, opset: opset)
            return (kind, StandardOp.attributes(of: node, opset: opset))
        }
        guard let t = registry.type(domain: node.domain, name: node.opType) else {
            let domain = node.domain.isEmpty ? "" : node.domain + "::"
            throw BuilderError.lowering(node: node.label,
                reason: "op \(domain)\(node.opType) is neither a standard op nor a registered plugin (load it with --plugins)")
        }
        return (t, node.attributes)
    }

    /// Evaluates a node whose inputs are all constants with the reference kernels.
    private mutating func fold(_ node: Node) throws {
        var feeds: [String: Tensor] = [:]
        var renamed = node
        renamed.inputs = node.inputs.enumerated().map { k, n in n.isEmpty ? "" : "in\(k)" }
        for (k, n) in node.inputs.enumerated() where !n.isEmpty { feeds["in\(k)"] = constants[n] }
        let graph = Graph(name: "fold", nodes: [renamed],
                          inputs: feeds.keys.sorted().map { ValueInfo(name: $0, type: nil) },
                          outputs: node.outputs.filter { !$0.isEmpty }.map { ValueInfo(name: $0, type: nil) },
                          opsetImports: ["": opset])
        do {
            let results = try ReferenceExecutor(graph: graph).run(feeds)
            for o in node.outputs where !o.isEmpty { constants[o] = results[o] }
            foldedNodes += 1
        } catch {
            throw BuilderError.lowering(node: node.label, reason: "folding a constant node failed: \(error)")
        }
    }
}
