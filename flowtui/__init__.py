"""flowtui: flow metrics and PR metrics for Azure DevOps teams, in the terminal."""

__version__ = "0.2.0.dev0"
