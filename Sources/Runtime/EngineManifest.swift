import IR

/// The engine description a plan's manifest holds (JSON, schema
/// ``EngineManifest/currentSchema``). The Builder writes it; ``Engine`` reads it.
///
/// Values are numbered; layers refer to them by index. A value lives in one of
/// four places: a graph input or an activation (a slot of the context's
/// arena), a weight (a plan section, used in place from the mapped file), or a
/// shape-time value (computed once per `setInputShapes` by a shape-stage layer).
public struct EngineManifest: Codable, Sendable {
    public init(schema: String, workbenchVersion: String, graphName: String, opset: Int, precision: String,
                threads: Int, inputs: [ManifestIO], outputs: [ManifestIO], values: [ManifestValue],
                layers: [ManifestLayer], profiles: [ManifestProfile], plugins: [ManifestPlugin]) {
        self.schema = schema
        self.workbenchVersion = workbenchVersion
        self.graphName = graphName
        self.opset = opset
        self.precision = precision
        self.threads = threads
        self.inputs = inputs
        self.outputs = outputs
        self.values = values
        self.layers = layers
        self.profiles = profiles
        self.plugins = plugins
    }

    /// The schema this build writes and reads.
    public static let currentSchema = "workbench.engine/1"

    public var schema: String
    public var workbenchVersion: String
    public var graphName: String
    public var opset: Int
    public var precision: String
    public var threads: Int
    public var inputs: [ManifestIO]
    public var outputs: [ManifestIO]
    public var values: [ManifestValue]
    public var layers: [ManifestLayer]
    public var profiles: [ManifestProfile]
    /// Every plugin the layers use (name, domain, version), sorted.
    public var plugins: [ManifestPlugin]
}

/// A graph input or output: its value index, name, element type and declared shape.
public struct ManifestIO: Codable, Sendable, Equatable {
    public init(name: String, value: Int, dataType: String, shape: [String]) {
        self.name = name
        self.value = value
        self.dataType = dataType
        self.shape = shape
    }

    public var name: String
    public var value: Int
    public var dataType: String
    /// Dims as text: numbers or symbols (`B`, `T`).
    public var shape: [String]
}

/// Where a value's bytes live.
public enum ValueStorage: String, Codable, Sendable {
    case input, activation, weight, shapeTime
}

/// One value of the engine.
public struct ManifestValue: Codable, Sendable, Equatable {
    public init(name: String, dataType: String, storage: ValueStorage, shape: [String]?,
                section: String? = nil, aliasOf: Int? = nil) {
        self.name = name
        self.dataType = dataType
        self.storage = storage
        self.shape = shape
        self.section = section
        self.aliasOf = aliasOf
    }

    public var name: String
    public var dataType: String
    public var storage: ValueStorage
    /// The shape as ``DimExpr`` text over the input symbols, or nil when it is
    /// only known at `setInputShapes` (then the producing layer infers it).
    public var shape: [String]?
    /// For weights: the plan section holding the (possibly packed) bytes.
    public var section: String?
    /// For activations produced by a zero-copy or in-place layer: the value whose slot it shares.
    public var aliasOf: Int?
}

/// A layer: one plugin call on values.
public struct ManifestLayer: Codable, Sendable, Equatable {
    public init(name: String, opType: String, plugin: String, domain: String, version: Int,
                attributes: [String: ManifestAttribute], inputs: [Int], outputs: [Int], stage: String,
                tactics: [String], tacticMs: [Double?]) {
        self.name = name
        self.opType = opType
        self.plugin = plugin
        self.domain = domain
        self.version = version
        self.attributes = attributes
        self.inputs = inputs
        self.outputs = outputs
        self.stage = stage
        self.tactics = tactics
        self.tacticMs = tacticMs
    }

    public var name: String
    /// The ONNX op type of the node it came from.
    public var opType: String
    public var plugin: String
    public var domain: String
    public var version: Int
    public var attributes: [String: ManifestAttribute]
    /// Input value indices; -1 marks an omitted optional input.
    public var inputs: [Int]
    /// Output value indices; -1 marks an omitted optional output.
    public var outputs: [Int]
    /// `shape` (runs once per shape change, on tensors) or `run` (every inference).
    public var stage: String
    /// The chosen tactic per profile.
    public var tactics: [String]
    /// The measured time of the chosen tactic per profile, in milliseconds (nil when not timed).
    public var tacticMs: [Double?]
    /// Per profile, when the tactic timed fastest at the profile's min, opt
    /// and max shapes differs: the tactic per range of ``workSize(_:)``,
    /// ascending (the last bucket is open-ended). Nil or an empty list: ``tactics`` everywhere.
    public var tacticBuckets: [[ManifestTacticBucket]]?

    /// The tactic for profile `profile` when the layer's outputs hold `workSize` elements in all.
    public func tactic(profile: Int, workSize: Int) -> String {
        if let buckets = tacticBuckets, profile < buckets.count, !buckets[profile].isEmpty {
            return (buckets[profile].first { workSize <= $0.upTo } ?? buckets[profile].last!).tactic
        }
        return tactics[profile]
    }

    /// The size tactic buckets are keyed on: the elements of all outputs (the layer's work grows with it).
    public static func workSize(outputShapes: [[Int]]) -> Int {
        outputShapes.reduce(0) { $0 + $1.reduce(1, *) }
    }
}

/// One range of a layer's tactic buckets: ``tactic`` runs when the work size is at most ``upTo``.
public struct ManifestTacticBucket: Codable, Sendable, Equatable {
    public var upTo: Int
    public var tactic: String
    /// The tactic's time at the shape it was chosen at, in milliseconds.
    public var ms: Double?
    /// The work size of that shape.
    public var sampledAt: Int

    public init(upTo: Int, tactic: String, ms: Double?, sampledAt: Int) {
        (self.upTo, self.tactic, self.ms, self.sampledAt) = (upTo, tactic, ms, sampledAt)
    }
}

/// One optimization profile and its memory plan.
public struct ManifestProfile: Codable, Sendable, Equatable {
    public init(inputs: [String: ManifestShapeRange], arenaBytes: Int, naiveBytes: Int, workspaceBytes: Int,
                offsets: [Int], capacities: [Int]) {
        self.inputs = inputs
        self.arenaBytes = arenaBytes
        self.naiveBytes = naiveBytes
        self.workspaceBytes = workspaceBytes
        self.offsets = offsets
        self.capacities = capacities
    }

    /// Per input name: min, opt and max shapes.
    public var inputs: [String: ManifestShapeRange]
    /// Bytes of the activation arena (sized for the profile's max shapes).
    public var arenaBytes: Int
    /// The sum of every activation's bytes at max shapes (what one buffer per value would take).
    public var naiveBytes: Int
    /// Bytes of the shared layer workspace.
    public var workspaceBytes: Int
    /// Arena offset per value (-1 for values not in the arena).
    public var offsets: [Int]
    /// Planned bytes per value (0 for values not in the arena).
    public var capacities: [Int]
}

/// The shapes an input may take in a profile.
public struct ManifestShapeRange: Codable, Sendable, Equatable {
    public var min: [Int]
    public var opt: [Int]
    public var max: [Int]

    public init(min: [Int], opt: [Int], max: [Int]) {
        self.min = min
        self.opt = opt
        self.max = max
    }
}

/// A plugin a plan depends on.
public struct ManifestPlugin: Codable, Sendable, Equatable, Hashable {
    public init(name: String, domain: String, version: Int) {
        self.name = name
        self.domain = domain
        self.version = version
    }

    public var name: String
    public var domain: String
    public var version: Int
}

extension ManifestIO {
    /// The declared shape as dims.
    public var dims: [Dim] { shape.map { Int($0).map(Dim.value) ?? .symbol($0) } }
}
