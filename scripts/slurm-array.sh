#!/bin/bash
# One shard of a big cashrisk run per Slurm array task; merge when all are done:
#
#   jid=$(sbatch --parsable scripts/slurm-array.sh)
#   sbatch --dependency=afterok:$jid --wrap \
#     "cashrisk merge parts/partial-*-of-8.cashrisk --out output/textile-1m"
#
# Every task simulates a fixed range of paths, so the merged summary.json is
# byte-identical to the same run on one machine, whatever nodes the tasks land on.
#SBATCH --job-name=cashrisk
#SBATCH --array=1-8
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=00:30:00
#SBATCH --output=parts/slurm-%A_%a.log
set -euo pipefail
SCENARIO=${SCENARIO:-scenarios/textile_exporter.toml}
PATHS=${PATHS:-1000000}
SHARDS=${SLURM_ARRAY_TASK_COUNT:-8}
mkdir -p parts
cashrisk run "$SCENARIO" --paths "$PATHS" --quiet \
  --shard "${SLURM_ARRAY_TASK_ID}/${SHARDS}" \
  --threads "${SLURM_CPUS_PER_TASK:-1}" --out parts
