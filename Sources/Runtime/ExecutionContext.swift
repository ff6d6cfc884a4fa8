import Foundation
import IR
import Kernels
import Plugins

/// One stream of execution on an ``Engine`` for one optimization profile:
/// the input shapes, the activation arena, the shape-time values and the
/// prepared call of every layer.
///
/// `setInputShapes` does all shape work once (checks the profile's ranges,
/// resolves every value's shape, runs shape-stage layers, lays out every
/// layer's buffers); `run` then only copies inputs in, calls the layers and
/// copies outputs out.
///
/// Memory: the context owns its arena (sized at build for the profile's max
/// shapes), its workspace and its shape-time buffers, and frees them on
/// deinit. Every pointer handed to a layer is made here and is valid only
/// during that layer's call. A context is used by one thread at a time;
/// make one context per thread.
public final class ExecutionContext {
    public let engine: Engine
    public let profile: Int
    public let threads: ThreadPool
    private let arena: UnsafeMutableRawPointer
    private let workspace: UnsafeMutableRawPointer
    private var shapeBuffers: [UnsafeMutableRawPointer] = []
    private var buffers: [TensorBuffer?]
    private var calls: [PluginCall?]
    /// The shapes set by the last ``setInputShapes(_:)``.
    public private(set) var inputShapes: [String: [Int]]?
    /// Record per-layer times in ``layerTimes`` while running.
    public var profiling = false
    /// Accumulated seconds per layer over the profiled runs (shape-stage layers stay 0).
    public private(set) var layerTimes: [Double]
    /// The number of profiled runs accumulated in ``layerTimes``.
    public private(set) var profiledRuns = 0

    init(engine: Engine, profile: Int) {
        self.engine = engine
        self.profile = profile
        let p = engine.manifest.profiles[profile]
        threads = ThreadPool(threads: engine.manifest.threads)
        // OpenBLAS's thread count is process-wide: the engine's setting applies to every context.
        if BLAS.threads != engine.manifest.threads { BLAS.threads = engine.manifest.threads }
        arena = UnsafeMutableRawPointer.allocate(byteCount: max(p.arenaBytes, 64), alignment: 64)
        workspace = UnsafeMutableRawPointer.allocate(byteCount: max(p.workspaceBytes, 64), alignment: 64)
        buffers = Array(repeating: nil, count: engine.manifest.values.count)
        calls = Array(repeating: nil, count: engine.manifest.layers.count)
        layerTimes = Array(repeating: 0, count: engine.manifest.layers.count)
    }

    deinit {
        arena.deallocate()
        workspace.deallocate()
        for b in shapeBuffers { b.deallocate() }
    }

    private var program: EngineProgram { engine.program }

    /// The shape range of every input in this context's profile.
    public var profileRanges: [String: ManifestShapeRange] { engine.manifest.profiles[profile].inputs }

    /// Sets the input shapes: checks each dim against the profile's range
    /// (naming input, dim, value and range on failure), resolves every shape
    /// and prepares every layer's call.
    public func setInputShapes(_ shapes: [String: [Int]]) throws {
        try engine.checkShapes(shapes, profile: profile)
        let resolution = try program.resolve(shapes)
        inputShapes = nil  // until the new bindings are complete
        try bind(resolution)
        inputShapes = shapes
    }

    /// The output shapes for the shapes set (empty before ``setInputShapes(_:)``).
    public var outputShapes: [String: [Int]] {
        var out: [String: [Int]] = [:]
        for io in engine.manifest.outputs { if let b = buffers[io.value] { out[io.name] = b.shape } }
        return out
    }

    private func bind(_ resolution: ShapeResolution) throws {
        let manifest = engine.manifest
        let plan = manifest.profiles[profile]
        var newShapeBuffers: [UnsafeMutableRawPointer] = []
        var complete = false
        defer {
            // The old shape-time buffers go once the new bindings replace them; on failure the new ones go.
            for b in complete ? shapeBuffers : newShapeBuffers { b.deallocate() }
            if complete { shapeBuffers = newShapeBuffers }
        }
        var buffers = [TensorBuffer?](repeating: nil, count: manifest.values.count)
        for (i, v) in manifest.values.enumerated() {
            guard let shape = resolution.shapes[i] else { continue }
            let type = program.dataTypes[i]
            let bytes = Shapes.count(shape) * type.byteSize
            let pointer: UnsafeMutableRawPointer
            switch v.storage {
            case .weight:
                guard let p = program.weights.pointer(for: i) else { continue }
                pointer = UnsafeMutableRawPointer(mutating: p)  // layers never write their inputs
            case .shapeTime:
                guard let t = resolution.shapeTensors[i] else { continue }
                pointer = try TensorBytes.copyOut(t)
                newShapeBuffers.append(pointer)
            case .input, .activation:
                guard plan.offsets[i] >= 0 else { continue }
                guard bytes <= plan.capacities[i] else {
                    throw RuntimeError.capacityExceeded(value: v.name, needed: bytes, planned: plan.capacities[i])
                }
                pointer = arena + plan.offsets[i]
            }
            buffers[i] = TensorBuffer(data: pointer, dataType: type, shape: shape)
        }
        var calls = [PluginCall?](repeating: nil, count: manifest.layers.count)
        for (index, layer) in manifest.layers.enumerated() where layer.stage == "run" {
            var inputs: [TensorBuffer?] = []
            for v in layer.inputs {
                guard v >= 0 else { inputs.append(nil); continue }
                guard let b = buffers[v] else {
                    throw RuntimeError.layer(name: layer.name, reason: "input '\(manifest.values[v].name)' has no buffer")
                }
                inputs.append(b)
            }
            var outputs: [TensorBuffer] = []
            for v in layer.outputs {
                if v < 0 { break }  // omitted trailing outputs
                if let b = buffers[v] { outputs.append(b); continue }
                // The builder gives every output of a run-stage layer a value, used or not.
                throw RuntimeError.layer(name: layer.name, reason: "an output has no buffer")
            }
            let tactic = layer.tactic(profile: profile, workSize: ManifestLayer.workSize(outputShapes: outputs.map(\.shape)))
            let needed = program.plugins[index].workspaceSize(inputShapes: inputs.map { $0?.shape ?? [] },
                                                              tactic: tactic)
            guard needed <= plan.workspaceBytes else {
                throw RuntimeError.capacityExceeded(value: "\(layer.name) workspace", needed: needed, planned: plan.workspaceBytes)
            }
            calls[index] = PluginCall(inputs: inputs, outputs: outputs, workspace: workspace,
                                      tactic: tactic, threads: threads)
        }
        self.buffers = buffers
        self.calls = calls
        complete = true
    }

    /// Runs one inference. When the feeds' shapes differ from the ones set,
    /// sets them first (``setInputShapes(_:)``); returns every output by name.
    public func run(_ feeds: [String: Tensor]) throws -> [String: Tensor] {
        let manifest = engine.manifest
        for name in feeds.keys.sorted() where !manifest.inputs.contains(where: { $0.name == name }) {
            throw RuntimeError.unknownInput(name: name, inputs: manifest.inputs.map(\.name))
        }
        var shapes: [String: [Int]] = [:]
        for io in manifest.inputs {
            guard let t = feeds[io.name] else { throw RuntimeError.missingInput(name: io.name) }
            guard t.dataType == program.dataTypes[io.value] else {
                throw RuntimeError.inputType(input: io.name, expected: program.dataTypes[io.value], found: t.dataType)
            }
            shapes[io.name] = t.shape
        }
        if shapes != inputShapes { try setInputShapes(shapes) }
        for io in manifest.inputs {
            guard let b = buffers[io.value] else { continue }
            try TensorBytes.write(feeds[io.name]!, to: b.data)
        }
        try enqueue()
        var outputs: [String: Tensor] = [:]
        for io in manifest.outputs {
            guard let b = buffers[io.value] else {
                throw RuntimeError.unresolvedShape(value: io.name, layer: "-", reason: "the output has no buffer")
            }
            outputs[io.name] = try TensorBytes.read(b.data, dataType: b.dataType, shape: b.shape)
        }
        return outputs
    }

    /// The tactic layer `index` runs with at the shapes set (its profile's
    /// tactic, or the one of its size bucket); nil before ``setInputShapes(_:)``
    /// and for shape-stage layers.
    public func tactic(ofLayer index: Int) -> String? {
        index < calls.count ? calls[index]?.tactic : nil
    }

    /// The buffer bound to an engine input or output for the shapes set (nil
    /// before ``setInputShapes(_:)`` or for another name). Writing inputs
    /// here and calling ``enqueue()`` runs without copying or allocating; the
    /// pointer is valid until the next `setInputShapes` or the context's end.
    public func binding(_ name: String) -> TensorBuffer? {
        let io = engine.manifest.inputs.first { $0.name == name } ?? engine.manifest.outputs.first { $0.name == name }
        return io.flatMap { buffers[$0.value] }
    }

    /// Runs every layer on the bound buffers (inputs already written).
    public func enqueue() throws { try enqueue(observer: nil) }

    /// Receives each run-stage layer's index and output buffers right after
    /// the layer ran (``enqueue(observer:)``). The buffers are valid only
    /// during the call: a later layer may reuse their memory.
    public typealias LayerObserver = (_ layer: Int, _ outputs: [TensorBuffer]) throws -> Void

    /// Runs every layer like ``enqueue()``, calling `observer` after each
    /// run-stage layer with its outputs (for layer-by-layer comparison).
    public func enqueue(observer: LayerObserver?) throws {
        guard inputShapes != nil else { throw RuntimeError.shapesNotSet }
        try threads.withPinnedCaller { try runLayers(observer: observer) }
        if profiling { profiledRuns += 1 }
    }

    private func runLayers(observer: LayerObserver?) throws {
        let layers = engine.manifest.layers
        let plugins = program.plugins
        let clock = ContinuousClock()
        for index in layers.indices {
            guard let call = calls[index] else { continue }
            do {
                if profiling {
                    let start = clock.now
                    try plugins[index].enqueue(call)
                    let (s, atto) = (clock.now - start).components
                    layerTimes[index] += Double(s) + Double(atto) * 1e-18
                } else {
                    try plugins[index].enqueue(call)
                }
            } catch {
                throw RuntimeError.layer(name: layers[index].name, reason: "\(error)")
            }
            try observer?(index, call.outputs)
        }
    }

    /// Clears the accumulated per-layer times.
    public func resetProfile() {
        layerTimes = Array(repeating: 0, count: layerTimes.count)
        profiledRuns = 0
    }
}
