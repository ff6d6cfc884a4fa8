import IR
import Kernels

/// The ONNX domain of fused nodes the workbench's passes create and its
/// built-in plugins implement (`com.workbench::LayerNorm`, ...).
public let workbenchDomain = "com.workbench"

/// A fused operation with its own kernel: what a fusion pass puts in the graph
/// in place of a subgraph, and what the engine runs as one layer.
///
/// The contract follows TensorRT's dynamic-shape plugin (IPluginV3):
/// - identity: ``name``, ``version`` and ``domain`` (the node's op type and domain);
/// - configuration: ``attributes`` (serialized into a plan; `init(attributes:)`
///   rebuilds the plugin from them — that initializer is the creator);
/// - build time: ``outputTypes(_:)`` (symbolic shapes), ``tactics(inputShapes:)``,
///   ``workspaceSize(inputShapes:tactic:)``, ``pack(constant:input:)``;
/// - run time: ``enqueue(_:)`` on buffers the engine owns.
///
/// Built-in plugins are written against this same protocol, so a user plugin
/// is no second-class citizen.
///
/// Plugins are immutable after creation and may run on several threads at
/// once (several execution contexts share one engine): keep no mutable state.
public protocol Plugin: AnyObject, Sendable {
    /// The op type of nodes this plugin implements, e.g. `LayerNorm`.
    static var name: String { get }
    /// Bumped whenever attributes, packing or semantics change; a plan records it.
    static var version: Int { get }
    /// The node domain; built-in plugins use ``workbenchDomain``.
    static var domain: String { get }

    /// Rebuilds a plugin from a node's (or a plan's) attributes; throws when an
    /// attribute is missing or invalid, naming it.
    init(attributes: [String: Attribute]) throws

    /// The attributes that recreate this plugin (tensors included).
    var attributes: [String: Attribute] { get }

    /// Output element types and (possibly symbolic) shapes from the inputs'.
    /// A nil input is an omitted optional input.
    func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType]

    /// The kernels (tactics) this plugin can run for these concrete input
    /// shapes, best guess first. The builder times each at the profile's opt
    /// shape and records the winner. Identifiers read kind first:
    /// `layernorm.simd8`, `attention.heads.parallel`.
    func tactics(inputShapes: [[Int]]) -> [String]

    /// Scratch bytes ``enqueue(_:)`` needs for these shapes and tactic.
    func workspaceSize(inputShapes: [[Int]], tactic: String) -> Int

    /// Optionally re-lays-out a constant input (a weight) once at build time,
    /// e.g. transposed or concatenated for the GEMM the kernel calls. The
    /// engine stores the result in the plan and passes it to ``enqueue(_:)``
    /// instead of the original. Return nil to keep the tensor as it is.
    func pack(constant: Tensor, input: Int) throws -> Tensor?

    /// Runs the kernel. Buffers are owned by the engine and valid only during
    /// the call; the plugin must not keep pointers to them or allocate memory
    /// whose size depends on the shapes (declare it as workspace instead).
    func enqueue(_ call: PluginCall) throws
}

extension Plugin {
    public static var domain: String { workbenchDomain }
    public func tactics(inputShapes: [[Int]]) -> [String] { ["default"] }
    public func workspaceSize(inputShapes: [[Int]], tactic: String) -> Int { 0 }
    public func pack(constant: Tensor, input: Int) throws -> Tensor? { nil }

    /// `LayerNorm@1`: how messages and plans name a plugin.
    public static var qualifiedName: String { "\(domain == workbenchDomain ? "" : domain + "::")\(name)@\(version)" }
}

/// Errors a plugin raises; each names the plugin (and node, when known).
public enum PluginError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidAttribute(plugin: String, attribute: String, reason: String)
    case invalidInputs(plugin: String, reason: String)
    case unknownTactic(plugin: String, tactic: String)
    case notRegistered(name: String, domain: String, version: Int?)
    case versionMismatch(name: String, registered: Int, requested: Int)

    public var description: String {
        switch self {
        case .invalidAttribute(let p, let a, let r): return "plugin \(p): attribute '\(a)': \(r)"
        case .invalidInputs(let p, let r): return "plugin \(p): \(r)"
        case .unknownTactic(let p, let t): return "plugin \(p): unknown tactic '\(t)'"
        case .notRegistered(let n, let d, let v):
            return "plugin \(d.isEmpty || d == workbenchDomain ? "" : d + "::")\(n)\(v.map { "@\($0)" } ?? "") is not registered (load it with --plugins)"
        case .versionMismatch(let n, let r, let q):
            return "plugin \(n): version \(q) requested but version \(r) is registered (load the matching build with --plugins)"
        }
    }
}
