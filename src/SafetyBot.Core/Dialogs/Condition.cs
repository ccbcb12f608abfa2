using System.Globalization;

namespace SafetyBot.Core.Dialogs;

/// <summary>What a condition can read: the flow's variables, the conversation's, and which flows exist.</summary>
public interface IConditionScope
{
    string? Read(string variable);

    string Channel { get; }

    bool FlowExists(string flow);
}

/// <summary>A test in a branch or list node, read from JSON such as <c>{"var":"age","lessThan":18}</c>.</summary>
public abstract record Condition
{
    /// <summary>The variable the analyser's categories are saved in by an ask node with "analyze".</summary>
    public const string SignalsVariable = "signals";

    public abstract bool Holds(IConditionScope scope);

    /// <summary>Every variable the condition reads (for the loader's checks).</summary>
    public abstract IEnumerable<string> Reads();

    public sealed record Equal(string Variable, string Value) : Condition
    {
        public override bool Holds(IConditionScope scope) => string.Equals(scope.Read(Variable), Value, StringComparison.Ordinal);

        public override IEnumerable<string> Reads() => [Variable];
    }

    public sealed record Exists(string Variable, bool Expected) : Condition
    {
        public override bool Holds(IConditionScope scope) => !string.IsNullOrEmpty(scope.Read(Variable)) == Expected;

        public override IEnumerable<string> Reads() => [Variable];
    }

    public sealed record Compare(string Variable, double? LessThan, double? AtLeast) : Condition
    {
        public override bool Holds(IConditionScope scope)
        {
            if (!double.TryParse(scope.Read(Variable), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            return (LessThan is null || value < LessThan) && (AtLeast is null || value >= AtLeast);
        }

        public override IEnumerable<string> Reads() => [Variable];
    }

    /// <summary>At least <see cref="AtLeast"/> of the variables hold <see cref="Value"/>.</summary>
    public sealed record Count(IReadOnlyList<string> Variables, string Value, int AtLeast) : Condition
    {
        public override bool Holds(IConditionScope scope) =>
            Variables.Count(v => string.Equals(scope.Read(v), Value, StringComparison.Ordinal)) >= AtLeast;

        public override IEnumerable<string> Reads() => Variables;
    }

    /// <summary>The last analysis found this category ("any": at least one).</summary>
    public sealed record Signal(string Category) : Condition
    {
        public override bool Holds(IConditionScope scope) =>
            scope.Read(SignalsVariable) is { Length: > 0 } found
            && (Category == "any" || found.Split(',').Contains(Category, StringComparer.Ordinal));

        public override IEnumerable<string> Reads() => [SignalsVariable];
    }

    public sealed record OnChannel(string ChannelId) : Condition
    {
        public override bool Holds(IConditionScope scope) => string.Equals(scope.Channel, ChannelId, StringComparison.Ordinal);

        public override IEnumerable<string> Reads() => [];
    }

    public sealed record FlowInstalled(string FlowId) : Condition
    {
        public override bool Holds(IConditionScope scope) => scope.FlowExists(FlowId);

        public override IEnumerable<string> Reads() => [];
    }

    public sealed record AnyOf(IReadOnlyList<Condition> Conditions) : Condition
    {
        public override bool Holds(IConditionScope scope) => Conditions.Any(c => c.Holds(scope));

        public override IEnumerable<string> Reads() => Conditions.SelectMany(c => c.Reads());
    }

    public sealed record AllOf(IReadOnlyList<Condition> Conditions) : Condition
    {
        public override bool Holds(IConditionScope scope) => Conditions.All(c => c.Holds(scope));

        public override IEnumerable<string> Reads() => Conditions.SelectMany(c => c.Reads());
    }

    public sealed record Negation(Condition Inner) : Condition
    {
        public override bool Holds(IConditionScope scope) => !Inner.Holds(scope);

        public override IEnumerable<string> Reads() => Inner.Reads();
    }
}
