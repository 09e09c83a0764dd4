import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench import generate as bench
from lms.pagecache import bump_every_version


class Command(BaseCommand):
    help = (
        "Generate a deterministic prefecture-sized dataset for benchmarks (bench/README.md): "
        "--scale 1.0 is 50,000 people, 600 courses, 150,000 enrolments…  Never in production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Size relative to the prefecture (1.0 = full size, 0.05 for a quick run).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=bench.DEFAULT_SEED,
            help="Random seed; the same seed and base date give the same data.",
        )
        parser.add_argument(
            "--base-date",
            type=dt.date.fromisoformat,
            default=bench.DEFAULT_BASE_DATE,
            help=(
                "The day the data is generated as of (YYYY-MM-DD): runs before it are over, "
                f"runs after it are upcoming. Default {bench.DEFAULT_BASE_DATE}."
            ),
        )
        parser.add_argument(
            "--digest",
            action="store_true",
            help="Also print a digest of the generated data (equal digests: equal data).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the data generated before (and only that) before generating again.",
        )
        parser.add_argument(
            "--delete",
            action="store_true",
            help="Only delete the data generated before.",
        )

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION:
            raise CommandError(
                "generate_data refuses to run with DJANGO_ENV=production: it creates accounts "
                "with a known password."
            )
        if options["scale"] < bench.MIN_SCALE:
            raise CommandError(f"--scale must be at least {bench.MIN_SCALE}.")
        if options["reset"] or options["delete"]:
            self.stdout.write("Deleting the generated data…")
            deleted = bench.delete_generated(log=self.stdout.write)
            self.stdout.write(f"Deleted {sum(deleted.values()):,} rows.")
            bump_every_version()  # written without signals: nothing kept may survive it
            if options["delete"]:
                return
        elif bench.generated_exists():
            raise CommandError(
                f"Generated data is already in the database (people @{bench.BENCH_DOMAIN}). "
                "Use --reset to replace it, or --delete to remove it."
            )
        self.stdout.write(
            f"Generating at scale {options['scale']} (seed {options['seed']}, "
            f"as of {options['base_date']})…"
        )
        generator = bench.generate(
            scale=options["scale"],
            seed=options["seed"],
            base_date=options["base_date"],
            log=self.stdout.write,
        )
        bump_every_version()
        self.stdout.write("Rows created:")
        for label, count in sorted(generator.created.items()):
            self.stdout.write(f"  {label:<40} {count:>10,}")
        self.stdout.write(f"  {'total':<40} {sum(generator.created.values()):>10,}")
        self.stdout.write("For the benchmarks:")
        for label, value in generator.landmarks.items():
            self.stdout.write(f"  {label}: {value}")
        if options["digest"]:
            self.stdout.write(f"Digest: {bench.dataset_digest()}")
        self.stdout.write(self.style.SUCCESS(f"Generated in {generator.elapsed:.1f} seconds."))
