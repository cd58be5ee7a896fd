# Container image for the training service (marginflow serve) on an edge node. Build from the
# repository root after
#   mvn -B -q package -DskipTests
#   mvn -B -q -pl service dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/lib
#   docker build -f deploy/conf/service.Dockerfile -t registry.example.com/marginflow-serve:0.1.0 .
# Run (state and token on volumes; the token file must be mode 600 and owned by uid 185):
#   docker run -d --name marginflow-serve -p 127.0.0.1:8998:8998 \
#     -v /etc/marginflow:/etc/marginflow:ro -v marginflow-state:/var/lib/marginflow \
#     -v /etc/hadoop/conf:/etc/hadoop/conf:ro -e HADOOP_CONF_DIR=/etc/hadoop/conf \
#     registry.example.com/marginflow-serve:0.1.0 \
#     --root hdfs:///user/marginflow/runs --master yarn --allow-data hdfs:///datasets/
# The drivers the service launches run inside this container (client deploy mode): restarting
# the *container* ends them (restarting the service process inside it does not). For runs that
# must outlive the container, add `--launcher-arg --deploy-mode --launcher-arg cluster` (the driver
# runs on the cluster; the service then follows it through its run directory and exit status).
# Sweeps submitted to the service are launched the same way (marginflow sweep, one application).
# With SPARK_HOME set, every run goes through $SPARK_HOME/bin/spark-submit with the app jar.
# (Not built by the project's tests: this machine has no container runtime or image registry.)
FROM apache/spark:4.2.0-scala2.13-java17-ubuntu
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0 util-linux \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/marginflow /etc/marginflow && chown spark /var/lib/marginflow
COPY deploy/bin /opt/marginflow/deploy/bin
COPY deploy/conf /opt/marginflow/deploy/conf
COPY common/target/marginflow-common-0.1.0-SNAPSHOT.jar /opt/marginflow/common/target/
COPY spark-jobs/target/marginflow-spark-jobs-0.1.0-SNAPSHOT.jar spark-jobs/target/marginflow-spark-jobs-0.1.0-SNAPSHOT-app.jar /opt/marginflow/spark-jobs/target/
COPY service/target/marginflow-service-0.1.0-SNAPSHOT.jar /opt/marginflow/service/target/
COPY service/target/lib /opt/marginflow/service/target/lib
ENV SPARK_HOME=/opt/spark MARGINFLOW_HOME=/opt/marginflow
USER spark
EXPOSE 8998
ENTRYPOINT ["/opt/marginflow/deploy/bin/marginflow", "serve", "--bind", "0.0.0.0", "--port", "8998", \
  "--token-file", "/etc/marginflow/token", "--state-dir", "/var/lib/marginflow/service"]
