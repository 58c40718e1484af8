"""scs-contract-kit: OpenAPI document, reference server and conformance suite for the
RESTful API of 光CTIスマートコネクトサービス."""

__version__ = "0.1.0"
