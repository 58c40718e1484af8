"""Passive conformance: judging the traffic real clients exchange with the service.

`scs-kit proxy` records exchanges as they pass, `scs-kit check --traffic FILE.har` reads them from a
HAR file; both hand them to `judge`, which emits the catalogue's checks under the team's verdict
policy, and to the report writers every active run uses.
"""
