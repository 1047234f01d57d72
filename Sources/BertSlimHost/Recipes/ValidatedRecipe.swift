/// A recipe after ``Recipe/validate(host:)``: every sweep point with its stages planned (their
/// components resolved, their settings decoded once), ready for ``Experiment`` to run.
public struct ValidatedRecipe {
    /// One sweep point and its planned stages.
    public struct Point {
        public internal(set) var point: Recipe.Point
        let stages: [PlannedStage]
    }

    public let points: [Point]
}
