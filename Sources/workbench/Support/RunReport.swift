import Foundation
import IR
import NumPy

/// What `workbench run` prints: per tensor name, dtype, shape and statistics,
/// and the latency; as text or as one JSON object.
struct RunReport: Encodable {
    struct TensorEntry: Encodable {
        var name: String
        var dtype: String
        var shape: [Int]
        var mean: Double?
        var std: Double?
        var min: Double?
        var max: Double?
        var nanCount: Int
        var infinityCount: Int

        init(_ name: String, _ t: Tensor) {
            self.name = name
            dtype = t.dataType.name
            shape = t.shape
            let s = t.statistics()
            (mean, std, min, max) = (s?.mean, s?.std, s?.min, s?.max)
            (nanCount, infinityCount) = (s?.nanCount ?? 0, s?.infinityCount ?? 0)
        }

        /// `encoder_out: float32 [1, 3, 256] | mean=0.0123 std=0.998 min=-3.21 max=3.05`.
        var text: String {
            var line = "\(name): \(dtype) \(shape) | mean=\(Console.number(mean)) std=\(Console.number(std))"
            line += " min=\(Console.number(min)) max=\(Console.number(max))"
            if nanCount > 0 { line += " nan=\(nanCount)" }
            if infinityCount > 0 { line += " inf=\(infinityCount)" }
            return line
        }
    }

    struct Latency: Encodable {
        var medianMs: Double
        var minMs: Double
        var maxMs: Double
        var iterations: Int
        var warmUp: Int
    }

    var model: String
    var inputSource: String
    var inputs: [TensorEntry]
    var outputs: [TensorEntry]
    var latency: Latency
    var savedInputs: String?
    var exportedOutputs: String?

    init(model: String, inputSource: String, inputs: NumPyArchive, outputs: NumPyArchive, latencies: [Duration],
         warmUp: Int, savedInputs: String?, exportedOutputs: String?) {
        self.model = model
        self.inputSource = inputSource
        self.inputs = inputs.map { TensorEntry($0.name, $0.tensor) }
        self.outputs = outputs.map { TensorEntry($0.name, $0.tensor) }
        let ms = latencies.map { Milliseconds($0).value }.sorted()
        // The median of an even count is the mean of the middle two.
        let median = ms.isEmpty ? 0 : (ms[(ms.count - 1) / 2] + ms[ms.count / 2]) / 2
        latency = Latency(medianMs: median, minMs: ms.first ?? 0, maxMs: ms.last ?? 0,
                          iterations: latencies.count, warmUp: warmUp)
        self.savedInputs = savedInputs
        self.exportedOutputs = exportedOutputs
    }

    var text: String {
        var lines = ["Model: \(model)", "Inputs (\(inputSource)):"]
        lines += inputs.map { "  " + $0.text }
        lines.append("Outputs:")
        lines += outputs.map { "  " + $0.text }
        let l = latency
        var timing = "Latency: median \(String(format: "%.3f", l.medianMs)) ms over \(l.iterations) iteration"
        timing += l.iterations == 1 ? "" : "s"
        if l.iterations > 1 { timing += String(format: " (min %.3f ms, max %.3f ms)", l.minMs, l.maxMs) }
        if l.warmUp > 0 { timing += ", after \(l.warmUp) warm-up run\(l.warmUp == 1 ? "" : "s")" }
        lines.append(timing)
        if let savedInputs { lines.append("Saved inputs to \(savedInputs)") }
        if let exportedOutputs { lines.append("Saved outputs to \(exportedOutputs)") }
        return lines.joined(separator: "\n")
    }
}
