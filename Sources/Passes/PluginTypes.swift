import IR
import Plugins

/// Shape inference for graphs holding plugin nodes: ``ShapeInference`` gives
/// custom-domain outputs no type, so the surgeon asks each plugin for its
/// output types (``Plugin/outputTypes(_:)``) and infers again, until nothing
/// new is learned (a plugin reading another plugin's output takes one more round).
enum PluginTypes {
    /// `graph` typed like ``ShapeInference/inferWithValues(_:)``, with plugin outputs typed by their plugins.
    static func infer(_ graph: Graph, plugins: PluginRegistry) throws -> (graph: Graph, shapeValues: [String: [Dim]]) {
        var g = graph
        for _ in 0..<8 {
            let (typed, values) = try ShapeInference.inferWithValues(g)
            var learned = false
            var next = typed
            for n in typed.nodes where !n.domain.isEmpty {
                guard plugins.type(domain: n.domain, name: n.opType) != nil,
                      let plugin = try? plugins.create(domain: n.domain, name: n.opType, attributes: n.attributes),
                      let outs = try? plugin.outputTypes(n.inputs.map { $0.isEmpty ? nil : typed.type(of: $0) }) else { continue }
                for (k, name) in n.outputs.enumerated() where k < outs.count && !name.isEmpty {
                    guard let rank = outs[k].shape?.rank else { continue }
                    let known = typed.type(of: name)
                    if known?.shape?.rank == rank && known?.dataType == outs[k].dataType { continue }
                    next.valueInfo[name] = ValueInfo(name: name, type: outs[k])
                    learned = true
                }
            }
            if !learned { return (typed, values) }
            g = next
        }
        return try ShapeInference.inferWithValues(g)
    }
}
