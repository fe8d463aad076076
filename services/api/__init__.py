"""HTTP controllers, request/response schemas and problem documents."""
