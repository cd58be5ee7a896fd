# Image for marginflow on Kubernetes: Spark 4.2 on Java 17 plus marginflow's application jar and
# native OpenBLAS. Build from the repository root after `mvn -B -q install -DskipTests`:
#   docker build -f deploy/conf/kubernetes.Dockerfile -t registry.example.com/marginflow:0.1.0 .
# (Not built by the project's tests: this machine has no container runtime or image registry.)
FROM apache/spark:4.2.0-scala2.13-java17-ubuntu
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0 \
 && rm -rf /var/lib/apt/lists/*
COPY spark-jobs/target/marginflow-spark-jobs-0.1.0-SNAPSHOT-app.jar /opt/marginflow/marginflow-app.jar
USER spark
