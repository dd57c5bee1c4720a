"""The App Home tab: approvals for approvers, threads for operators, own conversations for everyone."""
