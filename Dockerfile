# Builds both runnable jars; docker-compose.yml runs the web app and a worker from this image.
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q package -DskipTests

FROM eclipse-temurin:25-jre
WORKDIR /app
COPY --from=build /src/platform-web/target/platform-web.jar platform-web/target/platform-web.jar
COPY --from=build /src/platform-trainer/target/platform-trainer.jar platform-trainer/target/platform-trainer.jar
COPY --from=build /src/platform-trainer/target/lib platform-trainer/target/lib
ENV DJL_CACHE_DIR=/data/djl
EXPOSE 8080
