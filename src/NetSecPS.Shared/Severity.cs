namespace NetSecPS;

/// <summary>Severity of a finding or a drift record, ordered from least to most severe.</summary>
public enum Severity
{
    Info = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
}
