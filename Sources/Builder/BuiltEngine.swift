import Foundation
import IR
import Passes
import Plan
import Runtime

/// The builder's product: the manifest, the (packed) weights and what the
/// build did. Write it as a plan with ``write(to:)``, or run it in memory
/// with ``makeEngine()``.
public final class BuiltEngine: Sendable {
    public let program: EngineProgram
    /// Weight tensors by value index (what the plan's sections hold).
    public let weights: [Int: Tensor]
    public let surgeonReport: SurgeonReport
    /// Tactic measurements made (0 when the timing cache had them all).
    public let measurements: Int
    public let buildSeconds: Double
    /// Run-stage layers that use the reference kernels, as `name (op)`.
    public let referenceLayers: [String]

    init(program: EngineProgram, weights: [Int: Tensor], surgeonReport: SurgeonReport, measurements: Int,
         buildSeconds: Double, referenceLayers: [String]) {
        self.program = program
        self.weights = weights
        self.surgeonReport = surgeonReport
        self.measurements = measurements
        self.buildSeconds = buildSeconds
        self.referenceLayers = referenceLayers
    }

    public var manifest: EngineManifest { program.manifest }

    /// Bytes of all weights.
    public var weightBytes: Int { weights.values.reduce(0) { $0 + $1.byteCount } }

    /// An engine over the in-memory program (no file).
    public func makeEngine() -> Engine { Engine(program: program) }

    /// Writes the plan atomically: manifest, then one 64-byte-aligned section per weight.
    public func write(to url: URL) throws {
        var writer = PlanWriter()
        try writer.setManifest(manifest)
        for (i, v) in manifest.values.enumerated() where v.storage == .weight {
            guard let name = v.section, let t = weights[i] else { continue }
            try writer.addSection(named: name, tensor: t)
        }
        try writer.write(to: url)
    }
}
