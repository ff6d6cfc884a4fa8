import Foundation

/// One cell of the score matrix: a data file run at one (batch, length).
public struct ScoreRow: Sendable, Equatable, Codable {
    public var file: String
    /// Batch size (`bs`).
    public var batchSize: Int
    /// Sequence length in input frames (`sl`).
    public var sequenceLength: Int
    /// Median latency of one inference, milliseconds (`lt`).
    public var latencyMs: Double
    /// Per-output accuracy against the reference, in output order.
    public var checks: [AccuracyCheck]
    public var good: Bool

    public init(file: String, batchSize: Int, sequenceLength: Int, latencyMs: Double,
                checks: [AccuracyCheck], good: Bool) {
        self.file = file
        self.batchSize = batchSize
        self.sequenceLength = sequenceLength
        self.latencyMs = latencyMs
        self.checks = checks
        self.good = good
    }

    /// Frames per second: `bs * sl / lt * 1000` (`tp`).
    public var throughput: Double { Double(batchSize * sequenceLength) / latencyMs * 1000 }
}

/// The score table as testEncoderAndDecoder.py printed it, and its JSON form.
public enum ScoreTable {
    public static let header = "  bs,  sl,  lt (ms),  tp (f/s),       a0,       r0,       a1,       r1, check"

    /// One line in the hackathon's format: `%4d,%4d,%8.3f,%9.3e,%9.3e,%9.3e,%9.3e,%9.3e,%s`.
    public static func line(_ row: ScoreRow) -> String {
        let c0 = row.checks.first ?? AccuracyCheck(maxAbsolute: .nan, medianRelative: .nan)
        let c1 = row.checks.count > 1 ? row.checks[1] : AccuracyCheck(maxAbsolute: 0, medianRelative: 0)
        return String(format: "%4d,%4d,%9.3f,%10.3e,%9.3e,%9.3e,%9.3e,%9.3e, %@",
                      row.batchSize, row.sequenceLength, row.latencyMs, row.throughput,
                      c0.maxAbsolute, c0.medianRelative, c1.maxAbsolute, c1.medianRelative,
                      row.good ? "Good" : "Bad")
    }

    /// The whole table with its header and a summary line.
    public static func render(_ rows: [ScoreRow]) -> String {
        var lines = [header]
        lines += rows.map(line)
        lines.append(summary(rows))
        return lines.joined(separator: "\n")
    }

    /// `10/10 cells Good, total latency 123.456 ms`.
    public static func summary(_ rows: [ScoreRow]) -> String {
        let good = rows.filter(\.good).count
        let total = rows.reduce(0) { $0 + $1.latencyMs }
        return String(format: "%d/%d cells Good, total latency %.3f ms", good, rows.count, total)
    }

    /// Pretty-printed JSON: `{"rows": [...], "good": n, "cells": n, "totalLatencyMs": x}`.
    public static func json(_ rows: [ScoreRow], extra: [String: String] = [:]) throws -> String {
        struct Report: Encodable {
            var rows: [ScoreRow]
            var good: Int
            var cells: Int
            var totalLatencyMs: Double
            var info: [String: String]
        }
        let report = Report(rows: rows, good: rows.filter(\.good).count, cells: rows.count,
                            totalLatencyMs: rows.reduce(0) { $0 + $1.latencyMs }, info: extra)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
