"""`scs-kit check`: the conformance run and its reports."""
