import Foundation
import IR
import Kernels
import Plan
import Plugins

/// A built engine loaded for execution: the plan's layers with their plugins
/// and tactics, and its weights used in place from the memory-mapped file.
///
/// Immutable and `Sendable`: any number of ``ExecutionContext``s, on any
/// threads, share one engine's weights (the CPU counterpart of TensorRT's
/// multi-stream execution); each context owns its activation arena.
public final class Engine: Sendable {
    public let program: EngineProgram
    /// The mapped plan, when loaded from a file (it owns the weight bytes).
    public let plan: PlanFile?

    /// Loads and verifies a plan: the container checks (truncated, corrupted,
    /// future-version or foreign files throw ``PlanError``), then the manifest
    /// schema, then every plugin it names through `registry`.
    public init(contentsOf url: URL, registry: PluginRegistry = .shared) throws {
        let plan = try PlanFile(contentsOf: url)
        let file = url.relativePath
        let schema = try? plan.decodeManifest(SchemaProbe.self)
        guard let schema, schema.schema == EngineManifest.currentSchema else {
            throw RuntimeError.manifestSchema(file: file, found: schema?.schema ?? "(none)", expected: EngineManifest.currentSchema)
        }
        let manifest = try plan.decodeManifest(EngineManifest.self)
        let store = try PlanWeightStore(plan: plan, manifest: manifest, file: file)
        self.plan = plan
        self.program = try EngineProgram(manifest: manifest, weights: store, registry: registry, file: file)
    }

    /// An engine over a program already in memory (the builder's, before writing).
    public init(program: EngineProgram) {
        self.program = program
        self.plan = nil
    }

    public var manifest: EngineManifest { program.manifest }
    /// The number of optimization profiles.
    public var profileCount: Int { manifest.profiles.count }
    public var inputNames: [String] { manifest.inputs.map(\.name) }
    public var outputNames: [String] { manifest.outputs.map(\.name) }

    /// A new execution context for one profile, with its own arena.
    public func makeContext(profile: Int = 0) throws -> ExecutionContext {
        guard (0..<profileCount).contains(profile) else { throw RuntimeError.noSuchProfile(index: profile, count: profileCount) }
        return ExecutionContext(engine: self, profile: profile)
    }
}

/// Only the schema field, read before the whole manifest.
struct SchemaProbe: Decodable { var schema: String }

/// Weights read in place from a mapped plan's sections.
final class PlanWeightStore: WeightStore, @unchecked Sendable {
    // @unchecked: the pointers are into the read-only mapping `plan` keeps alive.
    let plan: PlanFile
    let pointers: [Int: UnsafeRawPointer]

    init(plan: PlanFile, manifest: EngineManifest, file: String) throws {
        var pointers: [Int: UnsafeRawPointer] = [:]
        for (i, v) in manifest.values.enumerated() where v.storage == .weight {
            guard let name = v.section else {
                throw RuntimeError.malformedManifest(file: file, reason: "weight '\(v.name)' names no section")
            }
            let section = try plan.section(named: name)
            let expected = (try? EngineProgram.staticShape(v)).map { Shapes.count($0) * (DataType(name: v.dataType)?.byteSize ?? 0) }
            guard section.byteCount == expected, let base = section.bytes.baseAddress ?? (expected == 0 ? plan.mappedBytes.baseAddress : nil) else {
                throw RuntimeError.malformedManifest(file: file, reason: "section '\(name)' has \(section.byteCount) bytes, weight '\(v.name)' needs \(expected ?? -1)")
            }
            pointers[i] = base
        }
        self.plan = plan
        self.pointers = pointers
    }

    func pointer(for value: Int) -> UnsafeRawPointer? { pointers[value] }
}

extension Engine {
    /// The first profile whose ranges contain every input shape, or nil.
    public func profile(containing shapes: [String: [Int]]) -> Int? {
        manifest.profiles.firstIndex { profile in
            manifest.inputs.allSatisfy { io in
                guard let shape = shapes[io.name] else { return false }
                guard let range = profile.inputs[io.name] else { return true }
                return shape.count == range.min.count
                    && shape.indices.allSatisfy { shape[$0] >= range.min[$0] && shape[$0] <= range.max[$0] }
            }
        }
    }

    /// The profile for `shapes`, or an error naming the first input, dim and range of profile 0 that does not fit.
    public func requireProfile(containing shapes: [String: [Int]]) throws -> Int {
        if let p = profile(containing: shapes) { return p }
        try checkShapes(shapes, profile: 0)
        return 0
    }

    /// Checks input shapes against a profile: every input given, no other
    /// names, ranks as declared, every dim within the profile's min...max.
    public func checkShapes(_ shapes: [String: [Int]], profile: Int) throws {
        guard (0..<profileCount).contains(profile) else { throw RuntimeError.noSuchProfile(index: profile, count: profileCount) }
        for name in shapes.keys.sorted() where !manifest.inputs.contains(where: { $0.name == name }) {
            throw RuntimeError.unknownInput(name: name, inputs: inputNames)
        }
        let ranges = manifest.profiles[profile].inputs
        for io in manifest.inputs {
            guard let shape = shapes[io.name] else { throw RuntimeError.missingInput(name: io.name) }
            guard shape.count == io.shape.count else {
                throw RuntimeError.inputRank(input: io.name, expected: io.shape.count, found: shape.count)
            }
            guard let range = ranges[io.name] else { continue }
            for d in shape.indices where shape[d] < range.min[d] || shape[d] > range.max[d] {
                throw RuntimeError.shapeOutsideProfile(input: io.name, dim: d, value: shape[d],
                                                       min: range.min[d], max: range.max[d], profile: profile)
            }
        }
    }
}
