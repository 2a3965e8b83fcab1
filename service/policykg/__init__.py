"""policykg: a knowledge-graph query service for enterprise-support policies."""

__version__ = "0.1.0"
