import BertSlimHost
import Foundation

/// Shows experiment events: on a terminal a live bar per epoch (step/total, loss, examples/s,
/// ETA) and a line per evaluation; otherwise plain lines, at most one step line every 10
/// seconds; or one JSON object per event.
final class ProgressPrinter {
    enum Format { case text, json }
    let format: Format
    let quiet: Bool
    let terminal = isatty(STDOUT_FILENO) != 0
    private var barShown = false
    private var lastLine = Date.distantPast
    private var epochStart = Date()

    init(format: Format, quiet: Bool) {
        self.format = format
        self.quiet = quiet
    }

    func handle(_ event: ExperimentEvent) {
        guard !quiet else { return }
        if format == .json { return printJSON(event) }
        if case let .trainingStep(_, stage, epoch, epochs, step, steps, loss, _, speed) = event {
            if step == 1 { epochStart = Date() }
            if terminal {
                let done = Double(step) / Double(max(steps, 1))
                let width = 30, filled = Int(done * Double(width))
                let eta = Date().timeIntervalSince(epochStart) / max(done, 1e-9) * (1 - done)
                let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
                let text = String(format: "stage %d epoch %d/%d %@ %d/%d loss %.4f %.0f ex/s ETA %@", stage, epoch + 1, epochs, bar,
                                  step, steps, loss, speed, Self.duration(eta))
                FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(text)".utf8))
                barShown = true
            } else if step == steps || Date().timeIntervalSince(lastLine) >= 10 {
                lastLine = Date()
                print(event.line)
            }
            return
        }
        if case .checkpointSaved = event { return }
        endBar()
        print(event.line)
    }

    func finish() { endBar() }

    private func endBar() {
        if barShown { FileHandle.standardOutput.write(Data("\n".utf8)) }
        barShown = false
    }

    private func printJSON(_ event: ExperimentEvent) {
        var object: [String: Any] = ["message": event.line]
        switch event {
        case let .trainingStep(point, stage, epoch, _, step, steps, loss, rate, speed):
            object.merge(["event": "step", "point": point, "stage": stage, "epoch": epoch, "step": step, "steps": steps,
                          "loss": Double(loss), "lr": Double(rate), "examples_per_second": speed]) { $1 }
        case let .checkpointSaved(point, stage, step):
            object.merge(["event": "checkpoint", "point": point, "stage": stage, "step": step]) { $1 }
        case let .epochEvaluated(point, stage, epoch, metrics):
            object.merge(["event": "dev", "point": point, "stage": stage, "epoch": epoch, "accuracy": metrics.accuracy, "f1": metrics.f1]) { $1 }
        case let .evaluated(point, stage, split, metrics):
            object.merge(["event": "evaluate", "point": point, "stage": stage, "split": split, "accuracy": metrics.accuracy, "f1": metrics.f1]) { $1 }
        default:
            object["event"] = "note"
        }
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds)
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
