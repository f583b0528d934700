#!/usr/bin/env bash
# Installs everything the build, the tests and the local stack need, from Debian packages only.
# Idempotent: packages already installed are not touched, so a second run takes about a second.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config git curl
  # required libraries
  librdkafka-dev libsimdjson-dev libre2-dev libzstd-dev libboost1.81-dev libboost-url1.81-dev catch2
  # TLS: the shipper's TCP input and HTTPS to Elasticsearch/OpenSearch (Boost.Asio SSL); the openssl tool makes test certificates
  libssl-dev openssl
  # chosen libraries: config, CLI flags, hashing for ids and fingerprints
  libyaml-cpp-dev libcli11-dev libfmt-dev libxxhash-dev
  # gzip request bodies to Elasticsearch
  zlib1g-dev
  # the shipper's allocator (shipper/README.md: half its CPU went to glibc malloc with librdkafka's headers)
  libjemalloc-dev
  # the local stack (deploy/stack.sh): Kafka and Elasticsearch run on Java 17, fetched with Maven
  openjdk-17-jre-headless maven
  # the real log senders of the TCP input tests (tests/senders/build.sh): javac, and a venv for python-logstash
  openjdk-17-jdk-headless python3-venv
  # tools: kcat for poking at Kafka, util-linux for setpriv (Elasticsearch refuses to run as root)
  kcat util-linux
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if (( ${#missing[@]} == 0 )); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
(( EUID == 0 )) || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
