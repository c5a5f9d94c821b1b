"""Where run instances get their Python packages: an index, CodeArtifact or the S3 wheel cache.

A ``HasTraits`` mixin of :class:`~ucdh_jupyter.config.UcdhConfig`, not a ``Configurable``:
its traits are set as ``c.UcdhConfig.<name>``, like every other setting.
"""

from __future__ import annotations

from traitlets import Bool, HasTraits, List, Unicode


class RunPackageSettings(HasTraits):
    """The package source of run instances, and the Pythons their image can install."""

    runs_pip_index_url = Unicode(
        "",
        help=(
            "Package index (PEP 503 'simple' URL) that run instances install Python packages "
            "from, e.g. a mirror reachable through the VPC. Empty: the public PyPI, unless "
            "a CodeArtifact repository or the wheel cache is configured."
        ),
    ).tag(config=True)

    runs_codeartifact_domain = Unicode(
        "",
        help=(
            "CodeArtifact domain of the PyPI repository run instances install from; the "
            "instance fetches its authorization token with its own role "
            "(codeartifact:GetAuthorizationToken, sts:GetServiceBearerToken). Needs "
            "runs_codeartifact_repository; runs_codeartifact_domain_owner defaults to this "
            "account."
        ),
    ).tag(config=True)

    runs_codeartifact_domain_owner = Unicode(
        "", help="AWS account id owning runs_codeartifact_domain (empty: this account)."
    ).tag(config=True)

    runs_codeartifact_repository = Unicode(
        "", help="CodeArtifact repository (PyPI format) in runs_codeartifact_domain."
    ).tag(config=True)

    runs_wheel_cache = Bool(
        False,
        help=(
            "Install run packages only from a wheel cache in the runs bucket (<runs_prefix>"
            "wheels/), which the server fills at submit time with what the notebook needs: "
            "run instances then need no package index at all (S3 gateway endpoint only). "
            "Default on in mode='local'."
        ),
    ).tag(config=True)

    runs_wheelhouse = Unicode(
        "",
        help=(
            "Where the server's pip gets the wheels that fill the wheel cache: a local folder "
            "(used with --no-index). Empty: the index the server's pip is configured with."
        ),
    ).tag(config=True)

    runs_image_pythons = List(
        Unicode(),
        ["3.9", "3.11", "3.12", "3.13", "3.14"],
        help=(
            "Python minor versions the run image can install (Amazon Linux 2023: 3.9 is the "
            "system Python, 3.11 to 3.14 are packaged as python3.X). A run uses the kernel's "
            "minor version when listed, else the dialog says which one it will use."
        ),
    ).tag(config=True)

    def _check_codeartifact(self) -> None:
        """Refuse half a CodeArtifact source, once every setting is loaded (a trait's own
        validator runs before its partner is set)."""
        domain, repository = self.runs_codeartifact_domain, self.runs_codeartifact_repository
        if bool(domain) != bool(repository) or (self.runs_codeartifact_domain_owner and not domain):
            given = "runs_codeartifact_domain" if domain else "runs_codeartifact_repository"
            if not domain and not repository:
                given = "runs_codeartifact_domain_owner"
            raise ValueError(
                f"UcdhConfig.{given} is set but a CodeArtifact source needs both "
                "runs_codeartifact_domain and runs_codeartifact_repository: set both "
                "(runs_codeartifact_domain_owner is optional), or neither."
            )
