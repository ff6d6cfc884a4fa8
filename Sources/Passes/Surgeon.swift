import IR
import Plugins

/// What ``Surgeon/run(_:options:)`` does.
public struct SurgeonOptions: Sendable {
    /// Fold constant subgraphs (and shape subgraphs) into initializers.
    public var foldConstants: Bool
    /// The fusions to run by name (``Surgeon/fusionNames``); nil runs all of them, empty none.
    public var fuse: Set<String>?
    /// Largest folded tensor, in elements: bigger results stay computed at run time.
    public var constantFoldLimit: Int
    /// The plugins fusions may create (a fusion whose plugin is not registered does not run).
    public var plugins: PluginRegistry
    /// Known ranges of symbolic dims (from an optimization profile), by symbol.
    public var dimRanges: [String: ClosedRange<Int>]
    /// Registered passes (plugin libraries' fusions) run among the built-in fusions.
    public var passes: PassRegistry

    public init(foldConstants: Bool = true, fuse: Set<String>? = nil, constantFoldLimit: Int = 1 << 20,
                plugins: PluginRegistry = .shared, dimRanges: [String: ClosedRange<Int>] = [:],
                passes: PassRegistry = .shared) {
        self.foldConstants = foldConstants
        self.fuse = fuse
        self.constantFoldLimit = constantFoldLimit
        self.plugins = plugins
        self.dimRanges = dimRanges
        self.passes = passes
    }
}

/// What each pass changed, and the graph's size before and after.
public struct SurgeonReport: Sendable, Codable, Equatable, CustomStringConvertible {
    /// One pass: its name and how many rewrites it made.
    public struct PassResult: Sendable, Codable, Equatable {
        public var name: String
        public var matches: Int
    }

    public var passes: [PassResult] = []
    public var nodesBefore: Int = 0
    public var nodesAfter: Int = 0
    /// Op histogram of the result (`com.workbench::LayerNorm` for plugin nodes).
    public var opsAfter: [String: Int] = [:]

    /// Total rewrites made by the pass named `name` (0 when it did not run).
    public func matches(_ name: String) -> Int {
        passes.filter { $0.name == name }.reduce(0) { $0 + $1.matches }
    }

    public var description: String {
        var lines = ["surgeon: \(nodesBefore) nodes -> \(nodesAfter) nodes"]
        for p in passes { lines.append("  \(p.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(p.matches)") }
        lines.append("ops after:")
        for (op, n) in opsAfter.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            lines.append("  \(op.padding(toLength: 32, withPad: " ", startingAt: 0)) \(n)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Errors the surgeon raises; each names the pass and what it was working on.
public enum SurgeonError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownFusion(String, known: [String])
    case invalidResult(pass: String, reason: String)

    public var description: String {
        switch self {
        case .unknownFusion(let n, let known):
            return "unknown fusion '\(n)' (known: \(known.joined(separator: ", ")))"
        case .invalidResult(let p, let r): return "pass \(p) produced an invalid graph: \(r)"
        }
    }
}

/// What a pass sees besides the editor: the options and the types of every
/// value, inferred just before the pass ran.
public struct PassContext {
    public let options: SurgeonOptions
    /// Inferred types (symbolic shapes) by value name.
    public let types: [String: ValueType]
    /// Tracked contents of shape tensors by value name.
    public let shapeValues: [String: [Dim]]
    public let opset: Int

    /// The shape of `value` when its rank is known.
    public func shape(_ value: String) -> Shape? { types[value]?.shape }
}

/// One graph rewrite: a name, and an `apply` that makes every rewrite it can
/// find through the editor and returns how many it made.
public protocol GraphPass: Sendable {
    var name: String { get }
    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int
}

/// The graph surgeon: runs the passes, each to a fixed point, in one defined order.
public enum Surgeon {
    /// The names `--fuse` accepts: the built-in fusions and ``PassRegistry/shared``'s passes.
    public static var fusionNames: [String] { PassRegistry.shared.fusionOrder }

    /// The fusions, in the order they run. Order matters:
    static let fusions: [any GraphPass] = [
        // Normalizations first: they consume the residual Adds that Linear would otherwise absorb.
        LayerNormFusion(),
        SkipLayerNormFusion(),
        // Activations before Linear, so Linear can take them as its epilogue.
        GeluFusion(),
        GeluTanhFusion(),
        SwishFusion(),
        GLUFusion(),
        ConvBatchNormFold(),
        // After BatchNorm folding and Swish: the depthwise Conv takes both.
        DepthwiseConvFusion(),
        // The Conv2dSubsampling front end (its Reshape output then feeds the Linear that follows).
        SubsamplingFusion(),
        LinearFusion(),
        // Scalar Mul/Div before or after a Linear, into its weights (after LinearFusion made the Linears).
        ScalarMulFold(),
        // Attention matches the Linear nodes of its Q/K/V projections, so it runs after Linear.
        AttentionFusion(),
        // Conformer attention, from the Q/K/V/pos/out Linears.
        RelPosAttentionFusion(),
        // Bool legalization of the padding mask, after the attention took the mask as its input.
        MaskLegalization(),
        // The conv module's Transposes go and its pointwise Convs become Linear GEMMs; after the
        // legalization, so the module's masked_fill is a Mul by the float mask it can carry over.
        TimeMajorConvFusion(),
    ]

    /// Every pass for `options`, top to bottom.
    static func passes(_ options: SurgeonOptions) throws -> [any GraphPass] {
        var list: [any GraphPass] = [IdentityElimination()]
        if options.foldConstants {
            // Constants become initializers before anything asks "is this operand constant?".
            list += [ConstantFolding(), ShapeFolding(), ConstantFolding()]
        }
        list.append(CommonSubexpressionElimination())
        let all = options.passes.arranged(fusions)
        let names = all.map(\.name)
        let chosen = options.fuse ?? Set(names)
        for name in chosen where !names.contains(name) {
            throw SurgeonError.unknownFusion(name, known: names)
        }
        list += all.filter { chosen.contains($0.name) }
        return list
    }

    /// Runs the passes on `graph` and reports what each changed.
    public static func run(_ graph: Graph, options: SurgeonOptions = SurgeonOptions()) throws -> (graph: Graph, report: SurgeonReport) {
        var report = SurgeonReport()
        report.nodesBefore = graph.nodes.count
        var g = try graph.sortedTopologically()
        for pass in try passes(options) {
            var total = 0
            for _ in 0..<8 {
                let (n, next) = try runOnce(pass, g, options)
                g = next
                total += n
                if n == 0 { break }
            }
            report.passes.append(.init(name: pass.name, matches: total))
        }
        var editor = GraphEditor(g)
        let dead = editor.removeDeadNodes()
        g = try editor.finish()
        report.passes.append(.init(name: "DeadCodeElimination", matches: dead))
        report.nodesAfter = g.nodes.count
        for (op, n) in g.opHistogram() { report.opsAfter[op] = n }
        return (g, report)
    }

    private static func runOnce(_ pass: any GraphPass, _ g: Graph, _ options: SurgeonOptions) throws -> (Int, Graph) {
        let (typed, values) = try PluginTypes.infer(g, plugins: options.plugins)
        var types: [String: ValueType] = [:]
        for i in typed.inputs { if let t = i.type { types[i.name] = t } }
        for (k, v) in typed.valueInfo { if let t = v.type { types[k] = t } }
        for (k, t) in typed.initializers { types[k] = ValueType(t.dataType, Shape(t.shape)) }
        let context = PassContext(options: options, types: types, shapeValues: values, opset: g.opset)
        var editor = GraphEditor(typed)
        let n = try pass.apply(&editor, context)
        guard n > 0 else { return (0, g) }
        editor.removeDeadNodes()
        let out = try editor.finish()
        #if DEBUG
        do { try out.validate() } catch {
            throw SurgeonError.invalidResult(pass: pass.name, reason: "\(error)")
        }
        #endif
        return (n, out)
    }
}
